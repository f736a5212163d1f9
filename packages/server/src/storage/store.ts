import type {
  ApiKeyRow,
  AppRow,
  ConsoleSessionRow,
  DeliveryRow,
  DeliveryStatusColumn,
  EventRow,
  HostedSessionRow,
  NewApiKey,
  NewEvent,
  NewToken,
  SigningKeyRow,
  TokenRow,
  VerificationRow,
} from './database.js'
import type { FactorRepository } from './repositories/factor-repository.js'
import type { IdempotencyKeyRepository } from './repositories/idempotency-key-repository.js'
import type { VerificationRepository } from './repositories/verification-repository.js'
import type { HeldTokenRepository, VerifyServiceRepository } from './repositories/verify-service-repository.js'
import type { WebhookRepository } from './repositories/webhook-repository.js'

export type { FactorRepository } from './repositories/factor-repository.js'
export type { IdempotencyKeyRepository } from './repositories/idempotency-key-repository.js'
export type { VerificationFilter, VerificationRepository } from './repositories/verification-repository.js'
export type { HeldTokenRepository, VerifyServiceRepository } from './repositories/verify-service-repository.js'
export type { WebhookEndpointChanges, WebhookRepository } from './repositories/webhook-repository.js'

/**
 * The storage port the core sees: narrow repositories, one per aggregate.
 * Every method that changes state under contention is a single conditional
 * statement whose result says whether this caller won — safe across
 * processes, not only within one.
 */
/** A row to insert, with its table (Store.insertAll). */
export type RowForTable =
  | { readonly table: 'verifications'; readonly row: VerificationRow }
  | { readonly table: 'events'; readonly row: NewEvent }
  | { readonly table: 'deliveries'; readonly row: DeliveryRow }
  | { readonly table: 'tokens'; readonly row: NewToken }

/** Rows this instance sees, and the promise that they are durable (Store.stageAll). */
export interface StagedWrite {
  /** Settles when the rows are committed; fails if their commit fails. Already handled: await it before answering. */
  readonly committed: Promise<void>
}

export interface Store {
  readonly apps: AppRepository
  readonly apiKeys: ApiKeyRepository
  readonly verifications: VerificationRepository
  readonly tokens: TokenRepository
  readonly signingKeys: SigningKeyRepository
  readonly events: EventRepository
  readonly factors: FactorRepository
  readonly maintenance: MaintenanceRepository
  readonly hostedSessions: HostedSessionRepository
  readonly deliveries: DeliveryRepository
  readonly consoleSessions: ConsoleSessionRepository
  readonly verifyServices: VerifyServiceRepository
  readonly heldTokens: HeldTokenRepository
  readonly idempotencyKeys: IdempotencyKeyRepository
  readonly webhooks: WebhookRepository
  /**
   * Runs `work` in one database transaction, on a Store bound to it: every write
   * in it happens, or none does (a dropped connection or a killed process rolls
   * it back). `work` must use only the Store it is given.
   */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>
  /**
   * Inserts rows into their tables all together or not at all, as `transaction` with one insert per row
   * would: a change and the events that report it (the outbox). On PostgreSQL outside a transaction it is
   * one statement, so one round trip instead of a transaction's BEGIN, INSERTs and COMMIT.
   */
  insertAll(rows: readonly RowForTable[]): Promise<void>
  /**
   * Inserts rows as insertAll does, but answers as soon as this instance sees them, before they are durable:
   * `committed` settles when they are (it fails if they never are). For a change that something outside
   * must follow (the code its verification row checks is sent after the row exists): the delivery attempt
   * recorded meanwhile joins the same commit on SQLite, one commit a start instead of two. Nothing may be
   * answered to a client before `committed`. Where each write is its own transaction (PostgreSQL, or inside
   * `transaction`) it answers after insertAll, with `committed` settled.
   */
  stageAll(rows: readonly RowForTable[]): Promise<StagedWrite>
  /** Throws when the database cannot answer. */
  ping(): Promise<void>
  /**
   * Commits a small write that leaves nothing behind (a padded row inserted and deleted in one
   * transaction): throws when the database cannot store writes (disk full, read-only, I/O errors).
   */
  probeWrite(): Promise<void>
  close(): Promise<void>
}

export interface AppRepository {
  insert(app: AppRow): Promise<void>
  findById(id: string): Promise<AppRow | undefined>
  list(options: { limit: number; after?: string | undefined }): Promise<AppRow[]>
  /** Replaces name and/or settings; answers the updated row, or undefined when absent. */
  update(id: string, changes: { name?: string; settings?: string; updatedAt: number }): Promise<AppRow | undefined>
}

export interface ApiKeyRepository {
  insert(key: NewApiKey): Promise<void>
  /** The unrevoked key with this hash, with its app. */
  findActiveByHash(keyHash: string): Promise<ApiKeyRow | undefined>
  listByApp(appId: string): Promise<ApiKeyRow[]>
  /** True when this call revoked it. */
  revoke(appId: string, keyId: string, at: number): Promise<boolean>
}

export interface TokenRepository {
  insert(token: NewToken): Promise<void>
  findByHash(appId: string, tokenHash: string): Promise<TokenRow | undefined>
  /**
   * Marks consumed if unconsumed and unexpired; true when this caller won. `rows` (its events) are inserted
   * if and only if it won, committed with it (on PostgreSQL one statement).
   */
  consume(appId: string, tokenHash: string, now: number, rows?: readonly RowForTable[]): Promise<boolean>
}

export interface SigningKeyRepository {
  insert(key: SigningKeyRow): Promise<void>
  /** Unrevoked keys not retired, or retired after `since`: those whose tokens may still be alive. Newest first. */
  listPublishable(since: number): Promise<SigningKeyRow[]>
  retireAllExcept(id: string, at: number): Promise<void>
  /** Every key, newest first, without the sealed private half (operators' list). */
  listAll(limit: number): Promise<Omit<SigningKeyRow, 'privateKey'>[]>
  findById(id: string): Promise<SigningKeyRow | undefined>
  /** Whether this key is revoked (false when unknown): one primary-key read. */
  isRevoked(id: string): Promise<boolean>
  /** Marks an unrevoked key revoked (and retired, if it was not); true when this call did. */
  revoke(id: string, at: number): Promise<boolean>
}

export interface ConsoleSessionRepository {
  insert(session: ConsoleSessionRow): Promise<void>
  /** The session whose secret has this hash, whatever its state (the caller checks expiry and revocation). */
  findBySecretHash(secretHash: string): Promise<ConsoleSessionRow | undefined>
  /** Unrevoked, unexpired sessions, newest first. */
  listActive(now: number, limit: number): Promise<ConsoleSessionRow[]>
  /** Records use, at most once per `staleBefore` (skips the write when last seen after it). */
  touch(id: string, now: number, staleBefore: number): Promise<void>
  /** True when this call revoked it (it was active). */
  revoke(id: string, now: number): Promise<boolean>
  /** Revokes every active session; answers how many. */
  revokeAll(now: number): Promise<number>
  /** Deletes sessions that expired or were revoked before `cutoff`. */
  deleteEndedBefore(cutoff: number): Promise<void>
}

export interface EventRepository {
  insert(event: NewEvent): Promise<void>
  listRecent(
    appId: string,
    options: { limit: number; before?: number | undefined; kind?: string | undefined },
  ): Promise<EventRow[]>
  /** One verification's events, newest first (index events_app_id_verification_id). */
  listByVerification(appId: string, verificationId: string, limit: number): Promise<EventRow[]>
  findById(appId: string, id: string): Promise<EventRow | undefined>
  /**
   * Inside a transaction: the oldest events not yet fanned out to endpoints, locked for this caller
   * (PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent dispatchers take different events).
   */
  takeUndispatched(limit: number): Promise<EventRow[]>
  markDispatched(ids: readonly string[]): Promise<void>
  /** Events not yet fanned out (the outbox's first half of the backlog). */
  countUndispatched(): Promise<number>
}

export interface HostedSessionRepository {
  insert(session: HostedSessionRow): Promise<void>
  findById(id: string): Promise<HostedSessionRow | undefined>
  /** Points the session at a (new) verification and its magic link hash; only while not completed. */
  attachVerification(
    id: string,
    change: { verificationId: string | null; channel: string | null; linkHash: string | null; now: number },
  ): Promise<boolean>
  /** Replaces the link hash of the verification in flight (a resend sends a new link). */
  replaceLinkHash(id: string, verificationId: string, linkHash: string | null, now: number): Promise<boolean>
  /** Spends the magic link: true for exactly one caller holding the current hash. */
  consumeLink(id: string, linkHash: string, now: number): Promise<boolean>
  /**
   * Marks the session done; true when this call did. In code mode `exchange` is stored in the same
   * update: the exchange code's hash, its expiry and the sealed token.
   */
  complete(
    id: string,
    now: number,
    exchange?: { codeHash: string; expiresAt: number; sealedToken: string },
  ): Promise<boolean>
  /**
   * Spends an exchange code with one conditional update (and wipes the sealed token in the same
   * transaction): of parallel callers with the right app, session and code hash, before the expiry,
   * exactly one gets the row with its sealed token; every other caller gets undefined.
   */
  exchangeCode(id: string, appId: string, codeHash: string, now: number): Promise<HostedSessionRow | undefined>
  /** Enrolment: keeps (or, with null, forgets) the sealed step-up token; only while not completed. */
  setStepUp(id: string, sealedStepUp: string | null, now: number): Promise<boolean>
}

export interface DeliveryRepository {
  insert(rows: readonly DeliveryRow[]): Promise<void>
  /** A verification's attempts, oldest first. */
  listByVerification(appId: string, verificationId: string): Promise<DeliveryRow[]>
  findByProviderMessage(provider: string, providerMessageId: string): Promise<DeliveryRow | undefined>
  /**
   * Moves a delivery to `status` only from one of `from` (so a late "sent"
   * never overwrites "delivered"); true when this call changed it.
   */
  updateStatus(
    id: string,
    change: {
      status: DeliveryStatusColumn
      errorCode: string | null
      from: readonly DeliveryStatusColumn[]
      now: number
    },
  ): Promise<boolean>
}

export interface PruneCounts {
  readonly verifications: number
  readonly tokens: number
  readonly events: number
  readonly deliveries: number
  readonly webhookMessages: number
}

export interface MaintenanceRepository {
  /** Deletes verifications and tokens that expired, and events created, before `cutoff` (ms). */
  pruneBefore(cutoff: number): Promise<PruneCounts>
  /**
   * Runs `task` unless another instance is running it (a PostgreSQL advisory
   * lock; SQLite always runs it): `ran` says which.
   */
  runExclusive<T>(task: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }>
}
