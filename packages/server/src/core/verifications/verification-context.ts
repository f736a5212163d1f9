import type { Logger } from 'pino'
import type { ServerKeys } from '../../crypto/secrets.js'
import type { MessageOptions } from '../../delivery/message-options.js'
import { AppError, assertThat } from '../../errors/app-error.js'
import type { Metrics } from '../../metrics/metrics.js'
import type { ChannelName } from '../../settings/app-settings.js'
import type { VerificationRow } from '../../storage/database.js'
import type { Store } from '../../storage/store.js'
import type { VerifierRegistry } from '../../verifiers/verifier-registry.js'
import type { App } from '../app-service.js'
import type { Clock } from '../clock.js'
import type { EventLog } from '../event-log.js'
import type { MessageDelivery } from '../message-delivery.js'
import type { RateLimiter } from '../rate-limiter.js'
import type { TokenService } from '../token-service.js'
import { effectiveStatus } from '../verification.js'
import { createGuessBudget, type GuessBudget } from './guess-budget.js'

/** A Twilio Verify verification sid (`VE` + 32 hex). */
const TWILIO_SID = /^VE[0-9a-f]{32}$/

/** What the verification flow runs on: the services it calls. */
export interface VerificationDeps {
  readonly store: Store
  readonly clock: Clock
  readonly serverKeys: ServerKeys
  readonly verifiers: VerifierRegistry
  readonly messages: MessageDelivery
  readonly tokens: TokenService
  readonly events: EventLog
  readonly logger: Logger
  readonly limits: RateLimiter
  /** Verifications started and finished, and sends refused, are counted where they happen. */
  readonly metrics: Metrics
  /** NODE_ENV=production: an app's test recipients count only when it allows them there. */
  readonly production: boolean
  /** An app by id, for work no request carries (a receipt's or the timer's channel fallback). */
  readonly getApp: (appId: string) => Promise<App>
}

/**
 * The deps plus what every step of the flow shares (start, resend, check, approve, decoys): loading a
 * verification as its app may see it, the error for one that is over, masking, the guessing budgets, and the
 * delivery timer decoys imitate. One per service instance.
 */
export interface VerificationContext extends VerificationDeps {
  readonly guesses: GuessBudget
  /** The app's verification, or `verification_not_found` (another app's is indistinguishable from none). */
  load(app: App, verificationId: string): Promise<VerificationRow>
  /** The error for a verification that can no longer take a code or a resend. */
  notPendingError(row: VerificationRow, now: number): AppError
  maskOf(row: VerificationRow): string | undefined
  /** Sends the code, timing it, so decoys can answer about as fast as a real send. */
  timedDeliver(
    app: App,
    row: VerificationRow,
    channel: ChannelName,
    code: string,
    link?: string | undefined,
    message?: MessageOptions | undefined,
  ): Promise<void>
  /** Waits about as long as a real delivery takes, so a decoy is not told apart by timing. */
  delayLikeDelivery(channel: ChannelName | undefined): Promise<void>
  /** Counts a verification that just finished (metrics); decoys never started, so never finish either. */
  countFinished(row: VerificationRow, outcome: 'approved' | 'locked' | 'canceled' | 'expired'): void
}

export function createVerificationContext(deps: VerificationDeps): VerificationContext {
  /** Recent delivery time per channel (moving average). */
  const deliveryMs = new Map<ChannelName, number>()
  const maskOf = (row: VerificationRow) => deps.verifiers.get(row.channel).delivery?.maskIdentifier(row.identifier)
  // built once, not per request: a spread here costs nothing (docs/decisions.md)
  return {
    ...deps,
    guesses: createGuessBudget({ store: deps.store, limits: deps.limits, events: deps.events, maskOf }),
    maskOf,
    async load(app, verificationId) {
      // A verification started through the Twilio-compatible API may be named by its Twilio sid too: one
      // verification, two ids (docs/twilio-compat.md). Only such sids cost the extra lookup.
      const alias = TWILIO_SID.test(verificationId)
        ? await deps.store.verifyServices.findVerificationBySid(app.id, verificationId)
        : undefined
      const row = await deps.store.verifications.findById(app.id, alias?.verificationId ?? verificationId)
      assertThat(row, 'verification_not_found')
      return row
    },
    notPendingError(row, now) {
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
    },
    async timedDeliver(app, row, channel, code, link, message) {
      const started = performance.now()
      await deps.messages.deliver(app, row, channel, code, link, message)
      const elapsed = performance.now() - started
      deliveryMs.set(channel, 0.8 * (deliveryMs.get(channel) ?? elapsed) + 0.2 * elapsed)
    },
    countFinished(row, outcome) {
      if (row.purpose !== 'decoy') deps.metrics.verificationsFinished.inc({ channel: row.channel, outcome })
    },
    async delayLikeDelivery(channel) {
      const ms = channel ? Math.min(2000, deliveryMs.get(channel) ?? 0) : 0
      if (ms > 1) await new Promise((resolve) => setTimeout(resolve, ms))
    },
  }
}
