import type { Logger } from 'pino'
import { generateId } from '../crypto/secrets.js'
import type { EventRow, NewEvent } from '../storage/database.js'
import type { EventRepository, RowForTable, StagedWrite, Store } from '../storage/store.js'
import type { Clock } from './clock.js'

/**
 * Every event type, once: the event log, the admin API's `type` (alias `kind`) and the webhooks'
 * subscriptions use these stable strings (docs/events.md documents each with its payload).
 */
export const EVENT_TYPES = [
  'verification.started',
  'verification.approved',
  'verification.canceled',
  'verification.expired',
  'verification.max_attempts_reached',
  'verification.fallback',
  'verification.fallback_skipped',
  'verification.attempt_failed',
  'delivery.sent',
  'delivery.delivered',
  'delivery.failed',
  'delivery.skipped',
  'delivery.callback_refused',
  'send.refused',
  'send.suppressed',
  'challenge.suppressed',
  'check.limited',
  'request.limited',
  'factor.bound',
  'factor.activated',
  'factor.removed',
  'factor.locked',
  'factor.flagged',
  'token.consumed',
  'token.refused',
  'app.created',
  'app.updated',
  'api_key.created',
  'api_key.revoked',
  'webhook.disabled',
  'signing_key.rotated',
  'signing_key.revoked',
  'console.signed_in',
  'console.sign_in_failed',
  'console.session_revoked',
] as const

/** Kinds of events. Stable strings: operators filter on them and webhooks subscribe to them. */
export type EventKind = (typeof EVENT_TYPES)[number]

export interface EventInput {
  readonly appId: string | null
  readonly kind: EventKind
  readonly verificationId?: string | undefined
  /** Already masked: the event log never holds a full identifier. */
  readonly identifierMasked?: string | undefined
  readonly clientIp?: string | undefined
  /** The host app's user, the scene and the channel (verification type), where they apply (webhook payload). */
  readonly userId?: string | null | undefined
  readonly scene?: string | undefined
  readonly channel?: string | undefined
  /** About a verification to one of the app's test recipients: marked `test: true` in the log and the payload. */
  readonly test?: boolean | undefined
  readonly details?: Readonly<Record<string, unknown>> | undefined
}

export interface EventLog {
  /**
   * Records an event on its own (a change that is not a database write, or one already committed); a
   * storage failure is logged, never thrown into the request.
   */
  record(event: EventInput): Promise<void>
  /**
   * Records an event in the caller's transaction (`store` is the transaction's Store): the outbox row
   * commits with the change it reports, or neither does. A failure throws, rolling the change back.
   */
  recordIn(store: Store, event: EventInput): Promise<void>
  /**
   * Inserts `rows` (the change) and the events that report it all together (Store.insertAll): the outbox
   * in one write, which on PostgreSQL is one round trip instead of a transaction's four or more.
   */
  recordWithRows(store: Store, rows: readonly RowForTable[], events: readonly EventInput[]): Promise<void>
  /**
   * As recordWithRows, but answers once this instance sees the rows, before they are durable (Store.stageAll):
   * await `committed` before answering the client. The events count as recorded at the commit.
   */
  stageWithRows(store: Store, rows: readonly RowForTable[], events: readonly EventInput[]): Promise<StagedWrite>
  /**
   * The outbox for a conditional change: `change` gets the rows of `events` and inserts them if and only if it
   * wins, committed with it (a repository's conditional update taking `rows`). Answers whether it won.
   */
  recordIf(events: readonly EventInput[], change: (rows: readonly RowForTable[]) => Promise<boolean>): Promise<boolean>
  listRecent(
    appId: string,
    options: { limit: number; before?: number | undefined; kind?: string | undefined },
  ): Promise<EventRow[]>
  /** One verification's events, newest first. */
  listByVerification(appId: string, verificationId: string, limit: number): Promise<EventRow[]>
  /** Called with the app of every event recorded, after its commit (the dispatcher wakes up); one listener. */
  onRecorded(listener: (appId: string | null) => void): void
}

/**
 * The `details` column of an event: the host app's user, the scene, the channel and the test mark where they
 * apply, then what the event says about itself.
 */
export function eventDetails(event: EventInput): Record<string, unknown> {
  const details: Record<string, unknown> = {}
  if (event.userId !== undefined && event.userId !== null) details.user_id = event.userId
  if (event.scene !== undefined) details.scene = event.scene
  if (event.channel !== undefined) details.channel = event.channel
  if (event.test) details.test = true
  if (event.details !== undefined) Object.assign(details, event.details)
  return details
}

/**
 * The webhook body of an event: `{ type, timestamp, data }`, identifiers masked as the API shows them. `data`
 * is the event's own fields (id, app, verification, masked identifier) and then its details, which win where
 * they name the same field (a fallback's `to` is the channel). Written around `detailsJson` (eventDetails'
 * JSON, which the row stores anyway) instead of building and stringifying the same fields a second time.
 */
export function eventPayload(event: EventInput, id: string, createdAt: number, detailsJson: string): string {
  let data = `{"event_id":${JSON.stringify(id)},"app_id":${JSON.stringify(event.appId)}`
  if (event.verificationId !== undefined && !namedByDetails(event, 'verification_id')) {
    data += `,"verification_id":${JSON.stringify(event.verificationId)}`
  }
  if (event.identifierMasked !== undefined && !namedByDetails(event, 'to')) {
    data += `,"to":${JSON.stringify(event.identifierMasked)}`
  }
  data += detailsJson === '{}' ? '}' : `,${detailsJson.slice(1)}`
  return `{"type":${JSON.stringify(event.kind)},"timestamp":"${new Date(createdAt).toISOString()}","data":${data}}`
}

/**
 * Whether the event's own details name `field`. Only they can name `verification_id` or `to`: eventDetails
 * adds user_id, scene, channel and test. A function, not a closure per payload: two events a start.
 */
function namedByDetails(event: EventInput, field: string): boolean {
  return event.details !== undefined && Object.hasOwn(event.details, field)
}

export function createEventLog(deps: { events: EventRepository; clock: Clock; logger: Logger }): EventLog {
  let listener: ((appId: string | null) => void) | undefined
  const rowOf = (event: EventInput): NewEvent => {
    const createdAt = deps.clock.nowMs()
    const id = generateId('evt', 16, createdAt)
    // Events of no app (console sign-ins, signing keys) are the operator's: no app endpoint receives them.
    const forApp = event.appId !== null
    const detailsJson = JSON.stringify(eventDetails(event))
    return {
      id,
      appId: event.appId,
      kind: event.kind,
      verificationId: event.verificationId ?? null,
      identifierMasked: event.identifierMasked ?? null,
      clientIp: event.clientIp ?? null,
      details: detailsJson === '{}' ? null : detailsJson,
      createdAt,
      payload: forApp ? eventPayload(event, id, createdAt, detailsJson) : null,
      dispatchPending: forApp ? 1 : 0,
    }
  }
  const recorded = (event: EventInput) => listener?.(event.appId)
  return {
    listRecent: (appId, options) => deps.events.listRecent(appId, options),
    listByVerification: (appId, verificationId, limit) => deps.events.listByVerification(appId, verificationId, limit),
    onRecorded(next) {
      listener = next
    },
    async record(event) {
      try {
        await deps.events.insert(rowOf(event))
        recorded(event)
      } catch (error) {
        deps.logger.error({ err: error, kind: event.kind }, 'could not record event')
      }
    },
    async recordIn(store, event) {
      await store.events.insert(rowOf(event))
      recorded(event)
    },
    async recordWithRows(store, rows, events) {
      await store.insertAll([...rows, ...events.map((event) => ({ table: 'events' as const, row: rowOf(event) }))])
      for (const event of events) recorded(event)
    },
    async stageWithRows(store, rows, events) {
      const staged = await store.stageAll([
        ...rows,
        ...events.map((event) => ({ table: 'events' as const, row: rowOf(event) })),
      ])
      staged.committed.then(
        () => {
          for (const event of events) recorded(event)
        },
        () => undefined,
      )
      return staged
    },
    async recordIf(events, change) {
      const won = await change(events.map((event) => ({ table: 'events' as const, row: rowOf(event) })))
      if (won) for (const event of events) recorded(event)
      return won
    },
  }
}
