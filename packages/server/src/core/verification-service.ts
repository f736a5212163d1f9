import type { Logger } from 'pino'
import type { DeliveryRegistry } from '../delivery/provider-registry.js'
import { renderVerificationMessage } from '../delivery/verification-message.js'
import { AppError, assertThat } from '../errors/app-error.js'
import type { VerificationRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import type { VerifierRegistry } from '../verifiers/verifier-registry.js'
import type { App } from './app-service.js'
import type { Channel } from './app-settings.js'
import type { Clock } from './clock.js'
import type { EventLog } from './event-log.js'
import { constantTimeEqual, generateCode, generateId, hashCode, type ServerKeys } from './secrets.js'
import type { TokenService } from './token-service.js'
import { effectiveStatus, toVerificationView, type VerificationView } from './verification.js'

export const DEFAULT_SCENE = 'verify-identifier'

export interface StartVerificationInput {
  readonly channel: Channel
  readonly to: string
  readonly scene?: string | undefined
  readonly locale?: string | undefined
  readonly userId?: string | undefined
  readonly clientIp?: string | undefined
  readonly customCode?: string | undefined
  readonly metadata?: Record<string, unknown> | undefined
}

export interface CheckResult {
  readonly verificationId: string
  readonly token: string
  readonly expiresIn: number
  readonly scene: string
}

export interface VerificationService {
  start(app: App, input: StartVerificationInput): Promise<VerificationView>
  resend(app: App, verificationId: string, input: { customCode?: string | undefined }): Promise<VerificationView>
  check(app: App, input: { verificationId: string; code: string }): Promise<CheckResult>
  get(app: App, verificationId: string): Promise<VerificationView>
  cancel(app: App, verificationId: string): Promise<VerificationView>
  /** Newest first, for operators: masked like every other view. */
  listRecent(appId: string, options: { limit: number; before?: number | undefined }): Promise<VerificationView[]>
}

const CUSTOM_CODE = /^[A-Za-z0-9]{4,10}$/

/** What a person types: spaces and dashes are formatting, case is not meaningful. */
export function normalizeCodeInput(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase()
}

/**
 * Start, resend, check, read and cancel one-time-code verifications. Every
 * state change is delegated to one conditional update in the store; this
 * service decides what to ask for and maps the outcome to the contract.
 */
export function createVerificationService(deps: {
  store: Store
  clock: Clock
  serverKeys: ServerKeys
  verifiers: VerifierRegistry
  delivery: DeliveryRegistry
  tokens: TokenService
  events: EventLog
  logger: Logger
}): VerificationService {
  const { store, clock, verifiers, events } = deps

  async function load(app: App, verificationId: string): Promise<VerificationRow> {
    const row = await store.verifications.findById(app.id, verificationId)
    // Another app's verification is indistinguishable from none at all.
    assertThat(row, 'verification_not_found')
    return row
  }

  /** The error for a verification that can no longer take a code or a resend. */
  function notPendingError(row: VerificationRow, now: number): AppError {
    switch (effectiveStatus(row, now)) {
      case 'expired':
        return new AppError('verification_expired')
      case 'max_attempts_reached':
        return new AppError('max_attempts_reached', { details: { attempts_remaining: 0 } })
      case 'approved':
        return new AppError('verification_not_pending', {
          message: 'The verification is already approved.',
          details: { status: 'approved' },
        })
      case 'canceled':
        return new AppError('verification_not_pending', {
          message: 'The verification was canceled.',
          details: { status: 'canceled' },
        })
      default:
        return new AppError('verification_not_pending')
    }
  }

  function validCustomCode(app: App, customCode: string | undefined): string | undefined {
    if (customCode === undefined) return undefined
    if (!app.settings.allow_custom_code) {
      throw new AppError('invalid_request', {
        message: 'custom_code is not allowed for this app (settings.allow_custom_code).',
      })
    }
    if (!CUSTOM_CODE.test(customCode)) {
      throw new AppError('invalid_request', { message: 'custom_code must be 4–10 letters or digits.' })
    }
    return normalizeCodeInput(customCode)
  }

  function senderFor(channel: Channel) {
    const route = deps.delivery.forChannel(channel)
    if (!route.available) {
      throw new AppError('channel_not_enabled', {
        message: `No delivery provider is available for ${channel} on this server (${route.provider}: ${route.reason}).`,
      })
    }
    return route
  }

  async function deliver(app: App, row: VerificationRow, code: string): Promise<void> {
    const channel = row.channel as Channel
    const route = senderFor(channel)
    const rendered = renderVerificationMessage({ channel, appName: app.name, code, ttlSeconds: row.ttlSeconds })
    await route.sender.send({
      channel,
      to: row.identifier,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      verificationId: row.id,
    })
  }

  async function recordDeliveryFailure(app: App, row: VerificationRow, error: unknown): Promise<never> {
    const provider = deps.delivery.forChannel(row.channel as Channel).provider
    // The provider's error may quote the message; log its kind and cause code only.
    deps.logger.warn(
      { verificationId: row.id, provider, error: (error as Error).message, cause: causeCode(error) },
      'delivery failed',
    )
    await events.record({
      appId: app.id,
      kind: 'delivery.failed',
      verificationId: row.id,
      identifierMasked: verifiers.get(row.channel as Channel).maskIdentifier(row.identifier),
      clientIp: row.clientIp ?? undefined,
      details: { provider },
    })
    throw new AppError('delivery_failed')
  }

  return {
    async start(app, input) {
      const channelSettings = app.settings.channels[input.channel]
      if (!channelSettings.enabled) {
        throw new AppError('channel_not_enabled', { message: `The ${input.channel} channel is disabled for this app.` })
      }
      senderFor(input.channel)
      const verifier = verifiers.get(input.channel)
      const identifier = verifier.normalizeIdentifier(input.to)
      if (identifier === undefined) {
        throw new AppError('invalid_identifier', {
          message:
            input.channel === 'sms'
              ? 'to must be a valid phone number in international format (E.164, e.g. +14155552671).'
              : 'to must be a valid email address.',
        })
      }
      const customCode = validCustomCode(app, input.customCode)
      const code = customCode ?? generateCode(channelSettings.code_length, channelSettings.code_alphabet)
      const now = clock.nowMs()
      const id = generateId('ver')
      const row: VerificationRow = {
        id,
        appId: app.id,
        channel: input.channel,
        identifier,
        scene: input.scene ?? DEFAULT_SCENE,
        userId: input.userId ?? null,
        status: 'pending',
        codeHash: hashCode(deps.serverKeys, id, code),
        attempts: 0,
        // The policy is copied into the row: a settings change never alters a verification in flight.
        maxAttempts: channelSettings.max_attempts,
        sends: 1,
        maxSends: channelSettings.max_sends,
        resendCooldownSeconds: channelSettings.resend_cooldown_seconds,
        ttlSeconds: channelSettings.ttl_seconds,
        lastSentAt: now,
        expiresAt: now + channelSettings.ttl_seconds * 1000,
        createdAt: now,
        updatedAt: now,
        approvedAt: null,
        locale: input.locale ?? null,
        clientIp: input.clientIp ?? null,
        metadata: input.metadata === undefined ? null : JSON.stringify(input.metadata),
      }
      // Stored before sending, so a code that arrives fast is already checkable.
      await store.verifications.insert(row)
      try {
        await deliver(app, row, code)
      } catch (error) {
        // The send did not happen: the verification never existed for the caller.
        await store.verifications.delete(app.id, id)
        return recordDeliveryFailure(app, row, error)
      }
      return toVerificationView(row, verifier, now)
    },

    async resend(app, verificationId, input) {
      const customCode = validCustomCode(app, input.customCode)
      for (let round = 0; round < 3; round++) {
        const row = await load(app, verificationId)
        const now = clock.nowMs()
        if (effectiveStatus(row, now) !== 'pending') throw notPendingError(row, now)
        if (row.sends >= row.maxSends) throw new AppError('max_sends_reached', { details: { sends_remaining: 0 } })
        const availableAt = Number(row.lastSentAt) + row.resendCooldownSeconds * 1000
        if (now < availableAt) {
          throw new AppError('resend_too_soon', { details: { retry_after: Math.ceil((availableAt - now) / 1000) } })
        }
        const channelSettings = app.settings.channels[row.channel as Channel]
        const code = customCode ?? generateCode(channelSettings.code_length, channelSettings.code_alphabet)
        const codeHash = hashCode(deps.serverKeys, row.id, code)
        const expiresAt = now + row.ttlSeconds * 1000
        // Reserve first (atomic: pending, under max sends, past cooldown), then send.
        const won = await store.verifications.reserveResend(row.id, {
          previousCodeHash: row.codeHash,
          codeHash,
          now,
          expiresAt,
        })
        if (!won) continue // Someone else changed it in between: look again.
        const reserved: VerificationRow = {
          ...row,
          codeHash,
          sends: row.sends + 1,
          lastSentAt: now,
          expiresAt,
          updatedAt: now,
        }
        try {
          await deliver(app, reserved, code)
        } catch (error) {
          // The send does not count, and the previous code keeps working.
          await store.verifications.releaseResend(row.id, {
            reservedCodeHash: codeHash,
            codeHash: row.codeHash,
            lastSentAt: Number(row.lastSentAt),
            expiresAt: Number(row.expiresAt),
            now,
          })
          return recordDeliveryFailure(app, row, error)
        }
        return toVerificationView(reserved, verifiers.get(row.channel as Channel), now)
      }
      throw new AppError('rate_limited', { message: 'The verification is busy; retry.', details: { retry_after: 1 } })
    },

    async check(app, input) {
      const code = normalizeCodeInput(input.code)
      for (let round = 0; round < 3; round++) {
        const row = await load(app, input.verificationId)
        const now = clock.nowMs()
        if (effectiveStatus(row, now) !== 'pending') {
          if (row.status === 'pending') await store.verifications.finish(app.id, row.id, 'expired', now)
          throw notPendingError(row, now)
        }
        const verifier = verifiers.get(row.channel as Channel)
        const matches = code.length > 0 && constantTimeEqual(hashCode(deps.serverKeys, row.id, code), row.codeHash)
        if (matches) {
          // Conditional on the same code, still pending, under the limit: of racing checks exactly one wins.
          if (!(await store.verifications.approve(row.id, row.codeHash, now))) continue
          const ttlSeconds = app.settings.token_ttl_seconds
          const issued = await deps.tokens.issue({
            appId: app.id,
            verificationId: row.id,
            scene: row.scene,
            channel: row.channel,
            identifier: row.identifier,
            userId: row.userId,
            ttlSeconds,
          })
          return { verificationId: row.id, token: issued.token, expiresIn: issued.expiresIn, scene: row.scene }
        }
        const failed = await store.verifications.recordFailedAttempt(row.id, row.codeHash, now)
        if (!failed) continue
        const masked = verifier.maskIdentifier(row.identifier)
        if (failed.status === 'max_attempts_reached') {
          await events.record({
            appId: app.id,
            kind: 'verification.locked',
            verificationId: row.id,
            identifierMasked: masked,
            clientIp: row.clientIp ?? undefined,
            details: { attempts: failed.attempts },
          })
          throw new AppError('max_attempts_reached', { details: { attempts_remaining: 0 } })
        }
        await events.record({
          appId: app.id,
          kind: 'verification.attempt_failed',
          verificationId: row.id,
          identifierMasked: masked,
          clientIp: row.clientIp ?? undefined,
          details: { attempts: failed.attempts },
        })
        throw new AppError('invalid_verification_code', {
          details: { attempts_remaining: Math.max(0, row.maxAttempts - failed.attempts) },
        })
      }
      // Three lost races in a row: answer with the state as it now is.
      const row = await load(app, input.verificationId)
      throw notPendingError(row, clock.nowMs())
    },

    async get(app, verificationId) {
      const row = await load(app, verificationId)
      return toVerificationView(row, verifiers.get(row.channel as Channel), clock.nowMs())
    },

    async listRecent(appId, options) {
      const now = clock.nowMs()
      const rows = await store.verifications.listRecent(appId, options)
      return rows.map((row) => toVerificationView(row, verifiers.get(row.channel as Channel), now))
    },

    async cancel(app, verificationId) {
      const row = await load(app, verificationId)
      const now = clock.nowMs()
      if (
        effectiveStatus(row, now) !== 'pending' ||
        !(await store.verifications.finish(app.id, row.id, 'canceled', now))
      ) {
        throw notPendingError(await load(app, verificationId), now)
      }
      const verifier = verifiers.get(row.channel as Channel)
      await events.record({
        appId: app.id,
        kind: 'verification.canceled',
        verificationId: row.id,
        identifierMasked: verifier.maskIdentifier(row.identifier),
      })
      return toVerificationView({ ...row, status: 'canceled', updatedAt: now }, verifier, now)
    },
  }
}

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } }).cause
  return typeof cause?.code === 'string' ? cause.code : undefined
}
