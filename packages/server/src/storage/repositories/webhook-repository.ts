import type { WebhookAttemptRow, WebhookEndpointRow, WebhookMessageRow } from '../database.js'

/** Endpoint changes an operator may make (undefined: unchanged). */
export interface WebhookEndpointChanges {
  readonly url?: string | undefined
  readonly events?: string | undefined
  readonly enabled?: number | undefined
  readonly description?: string | null | undefined
  readonly secret?: string | undefined
  readonly previousSecret?: string | null | undefined
  readonly previousSecretExpiresAt?: number | null | undefined
  readonly failingSince?: number | null | undefined
  readonly disabledReason?: string | null | undefined
  readonly updatedAt: number
}

/** Webhook endpoints, the messages (event × endpoint) the dispatcher delivers, and their attempts. */
export interface WebhookRepository {
  insertEndpoint(endpoint: WebhookEndpointRow): Promise<void>
  findEndpoint(appId: string, id: string): Promise<WebhookEndpointRow | undefined>
  listEndpoints(appId: string): Promise<WebhookEndpointRow[]>
  /**
   * Inside a transaction: how many endpoints the app has, with the app's row locked on PostgreSQL so
   * concurrent creations count one after another (the limit holds in parallel).
   */
  countEndpointsLocked(appId: string): Promise<number>
  updateEndpoint(appId: string, id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpointRow | undefined>
  /** True when this call deleted it; its pending messages go with it. */
  deleteEndpoint(appId: string, id: string): Promise<boolean>
  insertMessages(messages: readonly WebhookMessageRow[]): Promise<void>
  /**
   * Inside a transaction: pending messages due at `now` and not leased, oldest due first, leased to this
   * caller until `claimedUntil` (PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  claimDue(now: number, claimedUntil: number, limit: number): Promise<WebhookMessageRow[]>
  /** Records a try's outcome on a message this caller still leases (`claimedUntil` as claimed); true when it did. */
  settleMessage(
    id: string,
    claimedUntil: number,
    change: { status: WebhookMessageRow['status']; attempts: number; nextAttemptAt: number | null; now: number },
  ): Promise<boolean>
  /** Gives up every pending message of an endpoint (it was disabled). */
  failPendingMessages(endpointId: string, now: number): Promise<void>
  insertAttempt(attempt: WebhookAttemptRow): Promise<void>
  /** The attempts of these events, oldest first. */
  listAttempts(appId: string, eventIds: readonly string[]): Promise<WebhookAttemptRow[]>
  /** Messages still to deliver (the outbox's second half of the backlog). */
  countPendingMessages(): Promise<number>
}
