import { CHANNEL_NAMES, channelNamed } from '../channels/built-in-channels.js'
import {
  constantTimeEqual,
  encryptSecret,
  generateId,
  generateSecret,
  hmacBase64Url,
  type ServerKeys,
} from '../crypto/secrets.js'
import { AppError, assertThat } from '../errors/app-error.js'
import type { ChannelName } from '../settings/app-settings.js'
import type { HostedSessionRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import type { VerifierRegistry } from '../verifiers/verifier-registry.js'
import type { App, AppService } from './app-service.js'
import type { Clock } from './clock.js'
import type { FactorService } from './factor-service.js'
import { hostedCeremonies } from './hosted-ceremonies.js'
import type { Completion, HostedSession, HostedSessionService } from './hosted-session.js'
import { isTypeAllowed } from './scenes.js'
import { exchangeCode, newExchange } from './session-exchange.js'
import { DEFAULT_SCENE, type VerificationService } from './verification-service.js'

export type {
  Completion,
  CreateSessionInput,
  ExchangedToken,
  HostedSession,
  HostedSessionService,
  ResponseMode,
  StepUpChoices,
} from './hosted-session.js'

/** How long a person has to finish a hosted flow. */
const SESSION_TTL_SECONDS = 30 * 60

/**
 * Hosted verification sessions: the state that carries a person through the
 * hosted pages. Every step goes through the verification service, so limits,
 * uniform responses and events apply exactly as over the API.
 */
export function createHostedSessionService(deps: {
  store: Store
  clock: Clock
  apps: AppService
  verifications: VerificationService
  serverKeys: ServerKeys
  /** The public base URL, for the magic link. */
  publicUrl: () => string
  verifiers: VerifierRegistry
  factors: FactorService
}): HostedSessionService {
  const { store, clock, verifications } = deps
  const linkHash = (sessionId: string, secret: string) =>
    hmacBase64Url(deps.serverKeys.pageSigning, `magic-link:${sessionId}:${secret}`)

  function toSession(row: HostedSessionRow, app: App): HostedSession {
    const expiresAt = Number(row.expiresAt)
    const offered = row.channels.split(',')
    const isChannel = (name: string) => (CHANNEL_NAMES as readonly string[]).includes(name)
    return {
      id: row.id,
      app,
      scene: row.scene,
      channels: offered.filter(isChannel) as ChannelName[],
      ceremonies: offered.filter((name) => !isChannel(name)),
      purpose: row.purpose,
      userId: row.userId,
      steppedUp: row.sealedStepUp !== null,
      presetTo: row.presetTo,
      redirectUrl: row.redirectUrl,
      responseMode: row.responseMode,
      state: row.state,
      locale: row.locale,
      verificationId: row.verificationId,
      channel: row.channel as ChannelName | null,
      completed: row.completedAt !== null,
      expiresAt,
      expired: expiresAt <= clock.nowMs(),
    }
  }

  function assertOpen(session: HostedSession): void {
    if (session.completed) {
      throw new AppError('verification_not_pending', {
        message: 'This session is complete.',
        details: { status: 'approved' },
      })
    }
    if (session.expired) throw new AppError('verification_expired', { message: 'This session has expired.' })
  }

  /** A fresh magic link when the app sends one and the channel is email; its secret is stored only hashed. */
  function newLink(session: HostedSession, channel: ChannelName) {
    if (!channelNamed(channel).carriesLinks || !session.app.settings.email_magic_link) return undefined
    const secret = generateSecret(32)
    return {
      url: `${deps.publicUrl()}/hosted/${session.id}/confirm?t=${secret}`,
      hash: linkHash(session.id, secret),
    }
  }

  async function complete(session: HostedSession, token: { token: string; expiresIn: number }): Promise<Completion> {
    const now = clock.nowMs()
    const target = new URL(session.redirectUrl)
    if (session.responseMode === 'code') {
      // The token stays here, sealed; the browser carries only a code worthless without the app's key.
      const exchange = newExchange(deps.serverKeys, session.id, token, now)
      const won = await store.hostedSessions.complete(session.id, now, exchange.stored)
      // The approval is single use, so only a second completion of one session could lose; its code
      // would not exist, so it must not be handed out.
      if (!won) throw new AppError('verification_not_pending', { message: 'This session is complete.' })
      target.searchParams.set('code', exchange.code)
    } else {
      await store.hostedSessions.complete(session.id, now)
      target.searchParams.set('verification_token', token.token)
    }
    if (session.state !== null) target.searchParams.set('state', session.state)
    target.searchParams.set('session_id', session.id)
    return { redirectTo: target.toString() }
  }

  return {
    async create(app, input) {
      if (!app.settings.redirect_urls.includes(input.redirectUrl)) {
        throw new AppError('invalid_request', {
          message: 'redirect_url must equal one of the app’s registered redirect URLs (settings.redirect_urls).',
        })
      }
      const offered = [...new Set(input.channels)]
      const purpose = input.purpose ?? 'verify'
      const ceremonies = offered.filter((name) => deps.verifiers.ceremonyTypes().includes(name))
      const channels = offered.filter((name) => !ceremonies.includes(name)) as ChannelName[]
      for (const name of offered) {
        if (!ceremonies.includes(name) && !(CHANNEL_NAMES as readonly string[]).includes(name)) {
          throw new AppError('invalid_request', {
            message: `channel must name channels or ceremony types, not ${name}.`,
          })
        }
      }
      if (purpose === 'enroll' && (ceremonies.length !== 1 || channels.length > 0 || input.userId === undefined)) {
        throw new AppError('invalid_request', {
          message: `An enrolment session takes user_id and one type of ${deps.verifiers.ceremonyTypes().join(', ')}.`,
        })
      }
      // Without a user, a ceremony must find its user in the credential (usernameless).
      for (const ceremony of ceremonies) {
        if (input.userId === undefined && !deps.verifiers.discoverableTypes().includes(ceremony)) {
          throw new AppError('invalid_request', { message: `${ceremony} needs a user_id.` })
        }
      }
      for (const channel of channels) {
        if (!app.settings.channels[channel].enabled) {
          throw new AppError('channel_not_enabled', { message: `The ${channel} channel is disabled for this app.` })
        }
      }
      const scene = input.scene ?? (purpose === 'enroll' ? 'step-up' : DEFAULT_SCENE)
      for (const channel of purpose === 'enroll' ? [] : offered) {
        if (!isTypeAllowed(app.settings, scene, channel)) {
          throw new AppError('factor_not_allowed', { message: `The scene "${scene}" does not allow ${channel}.` })
        }
      }
      if (input.to !== undefined && (channels.length !== 1 || ceremonies.length > 0)) {
        throw new AppError('invalid_request', { message: 'A preset `to` needs exactly one channel.' })
      }
      const now = clock.nowMs()
      const row: HostedSessionRow = {
        id: generateId('ses', 24, clock.nowMs()),
        appId: app.id,
        scene,
        channels: offered.join(','),
        purpose,
        userId: input.userId ?? null,
        sealedStepUp: null,
        presetTo: input.to ?? null,
        redirectUrl: input.redirectUrl,
        responseMode: input.responseMode ?? 'token',
        exchangeCodeHash: null,
        exchangeExpiresAt: null,
        sealedToken: null,
        state: input.state ?? null,
        locale: input.locale ?? null,
        verificationId: null,
        channel: null,
        linkHash: null,
        completedAt: null,
        createdAt: now,
        updatedAt: now,
        expiresAt: now + SESSION_TTL_SECONDS * 1000,
      }
      await store.hostedSessions.insert(row)
      return toSession(row, app)
    },

    async get(sessionId) {
      const row = sessionId.length <= 64 ? await store.hostedSessions.findById(sessionId) : undefined
      assertThat(row, 'verification_not_found', { message: 'No such session.' })
      return toSession(row, await deps.apps.getApp(row.appId))
    },

    async verificationOf(session) {
      if (session.verificationId === null) return undefined
      return verifications.get(session.app, session.verificationId)
    },

    async start(session, input) {
      assertOpen(session)
      if (!session.channels.includes(input.channel)) {
        throw new AppError('channel_not_enabled', { message: `This session does not offer ${input.channel}.` })
      }
      // A preset identifier cannot be swapped for another by whoever holds the page.
      const to = session.presetTo ?? input.to
      const link = newLink(session, input.channel)
      const view = await verifications.start(session.app, {
        channel: input.channel,
        to,
        scene: session.scene,
        locale: input.locale ?? session.locale ?? undefined,
        clientIp: input.clientIp,
        metadata: { hosted_session_id: session.id },
        link: link?.url,
      })
      await store.hostedSessions.attachVerification(session.id, {
        verificationId: view.id,
        channel: input.channel,
        linkHash: link?.hash ?? null,
        now: clock.nowMs(),
      })
      return view
    },

    async resend(session, input = {}) {
      assertOpen(session)
      const verificationId = session.verificationId
      assertThat(verificationId, 'verification_not_found')
      const switchTo = input.channel !== undefined && input.channel !== session.channel ? input.channel : undefined
      if (switchTo !== undefined && !session.channels.includes(switchTo)) {
        throw new AppError('channel_not_enabled', { message: `This session does not offer ${switchTo}.` })
      }
      const channel = switchTo ?? session.channel
      const link = channel === null ? undefined : newLink(session, channel)
      const view = await verifications.resend(session.app, verificationId, { link: link?.url, channel: switchTo })
      if (switchTo !== undefined) {
        await store.hostedSessions.attachVerification(session.id, {
          verificationId,
          channel: switchTo,
          linkHash: link?.hash ?? null,
          now: clock.nowMs(),
        })
        return view
      }
      // The new email carries a new link; the previous one stops working, as the previous code does.
      if (link) await store.hostedSessions.replaceLinkHash(session.id, verificationId, link.hash, clock.nowMs())
      return view
    },

    async restart(session) {
      assertOpen(session)
      await store.hostedSessions.attachVerification(session.id, {
        verificationId: null,
        channel: null,
        linkHash: null,
        now: clock.nowMs(),
      })
    },

    async check(session, code) {
      assertOpen(session)
      const verificationId = session.verificationId
      assertThat(verificationId, 'verification_not_found')
      const result = await verifications.check(session.app, { verificationId, code })
      // A `verify` verification always yields a token; anything else is a programming error.
      if (!result.token) throw new Error('hosted verification approved without a token')
      if (session.purpose === 'enroll') return keepStepUp(session, result.token.token)
      return complete(session, result.token)
    },

    async confirmLink(session, secret) {
      assertOpen(session)
      const verificationId = session.verificationId
      assertThat(verificationId, 'verification_not_found')
      // Spent before approving: of two clicks (or a scanner and a person) exactly one goes on.
      if (!(await store.hostedSessions.consumeLink(session.id, linkHash(session.id, secret), clock.nowMs()))) {
        throw new AppError('invalid_verification_code', { message: 'This link is not valid any more.' })
      }
      const result = await verifications.approveByLink(session.app, verificationId)
      if (!result.token) throw new Error('hosted verification approved without a token')
      return complete(session, result.token)
    },

    async isCurrentLink(sessionId, secret) {
      const row = await store.hostedSessions.findById(sessionId)
      if (!row?.linkHash || row.completedAt !== null) return false
      return constantTimeEqual(row.linkHash, linkHash(sessionId, secret))
    },

    exchange: (app, sessionId, code) => exchangeCode(deps, app.id, sessionId, code, clock.nowMs()),

    ...hostedCeremonies(deps, { assertOpen, complete, keepStepUp }),
  }

  /** Enrolment: the step-up token is kept sealed for the bind; the page goes on to the enrolment step. */
  async function keepStepUp(session: HostedSession, token: string): Promise<Completion> {
    await store.hostedSessions.setStepUp(session.id, encryptSecret(deps.serverKeys, token), clock.nowMs())
    await store.hostedSessions.attachVerification(session.id, {
      verificationId: null,
      channel: null,
      linkHash: null,
      now: clock.nowMs(),
    })
    return { redirectTo: `/hosted/${session.id}` }
  }
}
