import { randomBytes } from 'node:crypto'
import { CHANNEL_NAMES, findChannel } from '../../channels/built-in-channels.js'
import type { MessageOptions } from '../../delivery/message-options.js'
import { AppError } from '../../errors/app-error.js'
import type { VerifyServiceRow, VerifyServiceVerificationRow } from '../../storage/database.js'
import type { Store } from '../../storage/store.js'
import type { App } from '../app-service.js'
import type { Clock } from '../clock.js'
import { effectiveStatus } from '../verification.js'
import type { VerificationService } from '../verification-service.js'
import {
  appForService,
  DEFAULT_SERVICE_OPTIONS,
  type VerifyService,
  type VerifyServiceOptions,
} from './verify-service-options.js'

/** A verification as the Twilio face shows it: its sid, the Tessera verification, and every code sent. */
export interface ServiceVerification {
  readonly sid: string
  readonly serviceSid: string
  /** The Tessera verification (`ver_…`): the same one GET /v1/verifications/{id} reads. */
  readonly verificationId: string
  readonly channel: string
  /** The identifier as normalised (E.164, email): Twilio answers `to` in full to the app that sent it. */
  readonly to: string
  readonly status: string
  readonly valid: boolean
  readonly createdAt: number
  readonly updatedAt: number
  readonly sendAttempts: ReadonlyArray<{ readonly sid: string; readonly channel: string; readonly time: number }>
}

export interface StartServiceVerification {
  readonly to: string
  readonly channel: string
  readonly locale?: string | undefined
  readonly customCode?: string | undefined
  readonly customFriendlyName?: string | undefined
  readonly clientIp?: string | undefined
  /**
   * Twilio's email `ChannelConfiguration`: the sender, the app's template to use (`template_id`, the key of
   * one of the app's templates for the channel) and substitutions. Applied to channels that send mail.
   */
  readonly message?: MessageOptions | undefined
}

export interface VerifyServices {
  create(app: App, input: { friendlyName: string; options: Partial<VerifyServiceOptions> }): Promise<VerifyService>
  /** Oldest first. */
  list(app: App, paging: { offset: number; limit: number }): Promise<VerifyService[]>
  get(app: App, sid: string): Promise<VerifyService>
  update(
    app: App,
    sid: string,
    changes: { friendlyName?: string | undefined; options: Partial<VerifyServiceOptions> },
  ): Promise<VerifyService>
  remove(app: App, sid: string): Promise<void>
  /** Starts a verification, or — when `to` has one pending on this channel — sends a new code on it (Twilio's way). */
  start(app: App, serviceSid: string, input: StartServiceVerification): Promise<ServiceVerification>
  /**
   * Judges a code for the verification named by sid or by `to`. A wrong code answers the verification, still
   * pending and `valid: false`; an approval also holds the Tessera token for the app (GET /v1/verifications/{id}).
   */
  check(
    app: App,
    serviceSid: string,
    input: { code: string; to?: string | undefined; verificationSid?: string | undefined },
  ): Promise<ServiceVerification>
  fetch(app: App, serviceSid: string, sid: string): Promise<ServiceVerification>
  /** `canceled` cancels; `approved` approves without a code (the caller proved it another way). */
  setStatus(app: App, serviceSid: string, sid: string, status: 'canceled' | 'approved'): Promise<ServiceVerification>
}

/** A Twilio-style sid: two letters and 32 lower-case hex digits. */
function newSid(prefix: 'VA' | 'VE' | 'VL'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`
}

const notFound = (what: string) =>
  new AppError('not_found', { message: `The requested resource ${what} was not found.` })

function toService(row: VerifyServiceRow): VerifyService {
  return {
    sid: row.sid,
    appId: row.appId,
    friendlyName: row.friendlyName,
    options: { ...DEFAULT_SERVICE_OPTIONS, ...(JSON.parse(row.options) as Partial<VerifyServiceOptions>) },
    createdAt: Number(row.createdAt),
    updatedAt: Number(row.updatedAt),
  }
}

/**
 * A `template_id` names one of the app's templates for the channel: a key of `settings.templates.<channel>`
 * (a scene, or `*`). Anything else is Twilio's 60200, and nothing is sent.
 */
function assertTemplate(app: App, channel: string, key: string): void {
  const templates = (app.settings.templates as Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>)[
    channel
  ]
  if (templates === undefined || !Object.hasOwn(templates, key)) {
    throw new AppError('invalid_request', {
      message: `Invalid parameter \`ChannelConfiguration.template_id\`: the app has no ${channel} template "${key}" (settings.templates.${channel}).`,
      problems: [{ path: 'ChannelConfiguration.template_id', message: "not one of the app's templates" }],
    })
  }
}

/**
 * Twilio Verify's services and verifications over Tessera's own (docs/twilio-compat.md): a second face on the
 * same core. Codes, attempts, sends, limits, delivery, events and tokens are the verification service's; this
 * keeps only what Twilio's API names and Tessera's does not — services, sids, send_code_attempts.
 */
export function createVerifyServices(deps: {
  store: Store
  clock: Clock
  verifications: VerificationService
}): VerifyServices {
  const { store, clock, verifications } = deps

  async function serviceOf(app: App, sid: string): Promise<VerifyService> {
    const row = await store.verifyServices.find(app.id, sid)
    if (!row) throw notFound(`/Services/${sid}`)
    return toService(row)
  }

  async function present(app: App, link: VerifyServiceVerificationRow): Promise<ServiceVerification> {
    const row = await store.verifications.findById(app.id, link.verificationId)
    if (!row) throw notFound(`/Services/${link.serviceSid}/Verifications/${link.sid}`)
    const attempts = await store.verifyServices.listSendAttempts(link.sid)
    const status = effectiveStatus(row, clock.nowMs())
    return {
      sid: link.sid,
      serviceSid: link.serviceSid,
      verificationId: row.id,
      channel: row.channel,
      to: row.identifier,
      status,
      valid: status === 'approved',
      createdAt: Number(row.createdAt),
      updatedAt: Number(row.updatedAt),
      sendAttempts: attempts.map((attempt) => ({
        sid: attempt.sid,
        channel: attempt.channel,
        time: Number(attempt.createdAt),
      })),
    }
  }

  async function linkOf(app: App, serviceSid: string, sid: string): Promise<VerifyServiceVerificationRow> {
    await serviceOf(app, serviceSid)
    const link = await store.verifyServices.findVerification(app.id, serviceSid, sid)
    if (!link) throw notFound(`/Services/${serviceSid}/Verifications/${sid}`)
    return link
  }

  /** Every channel's reading of `to`: a check by `To` names no channel. */
  function identifiersOf(to: string): string[] {
    const found = new Set<string>()
    for (const name of CHANNEL_NAMES) {
      const normalized = findChannel(name)?.identifier.normalize(to)
      if (normalized !== undefined) found.add(normalized)
    }
    return [...found]
  }

  async function recordSend(link: { sid: string }, channel: string): Promise<void> {
    await store.verifyServices.insertSendAttempt({
      sid: newSid('VL'),
      verificationSid: link.sid,
      channel,
      createdAt: clock.nowMs(),
    })
  }

  return {
    async create(app, input) {
      const now = clock.nowMs()
      const row: VerifyServiceRow = {
        sid: newSid('VA'),
        appId: app.id,
        friendlyName: input.friendlyName,
        options: JSON.stringify({ ...DEFAULT_SERVICE_OPTIONS, ...input.options }),
        createdAt: now,
        updatedAt: now,
      }
      await store.verifyServices.insert(row)
      return toService(row)
    },

    async list(app, paging) {
      return (await store.verifyServices.list(app.id, paging)).map(toService)
    },

    get: serviceOf,

    async update(app, sid, changes) {
      const current = await serviceOf(app, sid)
      const row = await store.verifyServices.update(app.id, sid, {
        friendlyName: changes.friendlyName ?? current.friendlyName,
        options: JSON.stringify({ ...current.options, ...changes.options }),
        updatedAt: clock.nowMs(),
      })
      if (!row) throw notFound(`/Services/${sid}`)
      return toService(row)
    },

    async remove(app, sid) {
      if (!(await store.verifyServices.delete(app.id, sid))) throw notFound(`/Services/${sid}`)
    },

    async start(app, serviceSid, input) {
      const service = await serviceOf(app, serviceSid)
      const channel = findChannel(input.channel)
      if (!channel) {
        throw new AppError('invalid_request', {
          message: `Invalid parameter \`Channel\`: one of ${CHANNEL_NAMES.join(', ')}.`,
          problems: [{ path: 'Channel', message: 'not a channel of this server' }],
        })
      }
      const identifier = channel.identifier.normalize(input.to)
      if (identifier === undefined) throw channel.identifier.invalid()
      const serviceApp = appForService(app, service, {
        friendlyName: input.customFriendlyName,
        customCode: input.customCode,
      })
      const message = channel.format === 'mail' ? input.message : undefined
      if (message?.templateKey !== undefined) assertTemplate(serviceApp, channel.name, message.templateKey)
      const pending = await store.verifyServices.findPendingFor(app.id, service.sid, [identifier], clock.nowMs())
      if (pending) {
        const row = await store.verifications.findById(app.id, pending.verificationId)
        if (row?.channel === channel.name) {
          // Twilio: starting again for a number with a pending verification sends a new code on it.
          await verifications.resend(serviceApp, row.id, { customCode: input.customCode, message })
          await recordSend(pending, channel.name)
          return present(app, pending)
        }
        // Another channel: a Tessera verification has one type, so the old one ends and a new one starts.
        await verifications.cancel(app, pending.verificationId).catch(() => undefined)
      }
      const sid = newSid('VE')
      const view = await verifications.start(serviceApp, {
        channel: channel.name,
        to: input.to,
        locale: input.locale,
        customCode: input.customCode,
        clientIp: input.clientIp,
        message,
        metadata: { verify_service_sid: service.sid, verification_sid: sid },
      })
      const link: VerifyServiceVerificationRow = {
        sid,
        appId: app.id,
        serviceSid: service.sid,
        verificationId: view.id,
        createdAt: view.createdAt,
      }
      await store.verifyServices.insertVerification(link)
      await recordSend(link, channel.name)
      return present(app, link)
    },

    async check(app, serviceSid, input) {
      const service = await serviceOf(app, serviceSid)
      let link: VerifyServiceVerificationRow | undefined
      if (input.verificationSid !== undefined) {
        link = await store.verifyServices.findVerification(app.id, service.sid, input.verificationSid)
      } else if (input.to !== undefined) {
        link = await store.verifyServices.findPendingFor(app.id, service.sid, identifiersOf(input.to), clock.nowMs())
      }
      if (!link) throw notFound(`/Services/${service.sid}/VerificationCheck`)
      try {
        const result = await verifications.check(appForService(app, service), {
          verificationId: link.verificationId,
          code: input.code,
        })
        if (result.token) await verifications.holdToken(app, link.verificationId, result.token)
      } catch (error) {
        // Twilio answers a wrong code as the verification, still pending and not valid.
        if (!(error instanceof AppError && error.code === 'invalid_verification_code')) throw error
      }
      return present(app, link)
    },

    async fetch(app, serviceSid, sid) {
      return present(app, await linkOf(app, serviceSid, sid))
    },

    async setStatus(app, serviceSid, sid, status) {
      const link = await linkOf(app, serviceSid, sid)
      if (status === 'canceled') {
        await verifications.cancel(app, link.verificationId)
      } else {
        const result = await verifications.approveByLink(app, link.verificationId)
        if (result.token) await verifications.holdToken(app, link.verificationId, result.token)
      }
      return present(app, link)
    },
  }
}
