import type { Generated } from 'kysely'

// The event log, and the webhook outbox it feeds. Conventions (names, times): database.ts.

export interface EventTable {
  id: string
  appId: string | null
  kind: string
  verificationId: string | null
  /** Masked identifier only; never the full one. */
  identifierMasked: string | null
  clientIp: string | null
  /** JSON object or null. */
  details: string | null
  createdAt: number
  /** The webhook body (`{ type, timestamp, data }` as JSON), fixed at insert; null for events of no app. */
  payload: string | null
  /** 1 until a dispatcher has fanned the event out to the app's endpoints (the outbox's queue). */
  dispatchPending: Generated<number>
}
