import type { Logger } from 'pino'
import { generateId } from '../crypto/secrets.js'
import type { EventRow } from '../storage/database.js'
import type { EventRepository } from '../storage/store.js'
import type { Clock } from './clock.js'

/** Kinds of security-relevant events. Stable strings: operators filter on them. */
export type EventKind =
  | 'app.created'
  | 'app.updated'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'signing_key.rotated'
  | 'signing_key.revoked'
  | 'console.signed_in'
  | 'console.sign_in_failed'
  | 'console.session_revoked'
  | 'verification.attempt_failed'
  | 'verification.locked'
  | 'verification.canceled'
  | 'verification.fallback'
  | 'verification.fallback_skipped'
  | 'delivery.failed'
  | 'delivery.skipped'
  | 'delivery.callback_refused'
  | 'delivery.queued'
  | 'delivery.sent'
  | 'delivery.delivered'
  | 'delivery.undelivered'
  | 'token.consumed'
  | 'token.refused'
  | 'factor.bound'
  | 'factor.activated'
  | 'factor.locked'
  | 'factor.removed'
  | 'send.refused'
  | 'send.suppressed'
  | 'challenge.suppressed'
  | 'check.limited'
  | 'request.limited'

export interface EventInput {
  readonly appId: string | null
  readonly kind: EventKind
  readonly verificationId?: string | undefined
  /** Already masked: the event log never holds a full identifier. */
  readonly identifierMasked?: string | undefined
  readonly clientIp?: string | undefined
  readonly details?: Readonly<Record<string, unknown>> | undefined
}

export interface EventLog {
  /** Records an event; a storage failure is logged, never thrown into the request. */
  record(event: EventInput): Promise<void>
  listRecent(
    appId: string,
    options: { limit: number; before?: number | undefined; kind?: string | undefined },
  ): Promise<EventRow[]>
  /** One verification's events, newest first. */
  listByVerification(appId: string, verificationId: string, limit: number): Promise<EventRow[]>
}

export function createEventLog(deps: { events: EventRepository; clock: Clock; logger: Logger }): EventLog {
  return {
    listRecent: (appId, options) => deps.events.listRecent(appId, options),
    listByVerification: (appId, verificationId, limit) => deps.events.listByVerification(appId, verificationId, limit),
    async record(event) {
      try {
        await deps.events.insert({
          id: generateId('evt', 16, deps.clock.nowMs()),
          appId: event.appId,
          kind: event.kind,
          verificationId: event.verificationId ?? null,
          identifierMasked: event.identifierMasked ?? null,
          clientIp: event.clientIp ?? null,
          details: event.details ? JSON.stringify(event.details) : null,
          createdAt: deps.clock.nowMs(),
        })
      } catch (error) {
        deps.logger.error({ err: error, kind: event.kind }, 'could not record event')
      }
    },
  }
}
