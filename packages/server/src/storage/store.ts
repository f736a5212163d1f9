import type {
  ApiKeyRow,
  AppRow,
  ConsoleSessionRow,
  DeliveryRow,
  DeliveryStatusColumn,
  EventRow,
  FactorRow,
  HostedSessionRow,
  IdempotencyKeyRow,
  NewApiKey,
  NewEvent,
  NewToken,
  NewVerification,
  SigningKeyRow,
  TokenRow,
  VerificationPurpose,
  VerificationRow,
  VerificationStatus,
  VerifySendAttemptRow,
  VerifyServiceRow,
  VerifyServiceVerificationRow,
  WebhookAttemptRow,
  WebhookEndpointRow,
  WebhookMessageRow,
} from './database.js'

/**
 * The storage port the core sees: narrow repositories, one per aggregate.
 * Every method that changes state under contention is a single conditional
 * statement whose result says whether this caller won — safe across
 * processes, not only within one.
 */
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

/** The fields a successful check flips. */
export interface VerificationRepository {
  insert(verification: NewVerification): Promise<void>
  findById(appId: string, id: string): Promise<VerificationRow | undefined>
  listRecent(appId: string, options: { limit: number; before?: number | undefined }): Promise<VerificationRow[]>
  delete(appId: string, id: string): Promise<void>
  /** The newest verification of a factor with this purpose (the activation of a new factor). */
  findLatestForFactor(
    appId: string,
    factorId: string,
    purpose: VerificationPurpose,
  ): Promise<VerificationRow | undefined>
  /**
   * Counts one check against the verification before the answer is judged: attempts + 1, only while the
   * row is pending, unexpired, under its attempt limit and holding `codeHash`. Answers the new count, or
   * undefined when the condition did not hold (nothing may be judged).
   */
  claimAttempt(
    id: string,
    codeHash: string,
    now: number,
  ): Promise<{ attempts: number; maxAttempts: number } | undefined>
  /** Gives back a claimed attempt that was never judged, or was right but lost the approval (any status). */
  releaseAttempt(id: string, codeHash: string, now: number): Promise<void>
  /** Approves a verification whose check already claimed its attempt; true when this caller won. */
  approveClaimed(id: string, codeHash: string, now: number): Promise<boolean>
  /** The last attempt was wrong: pending → max_attempts_reached. */
  exhaustAttempts(id: string, codeHash: string, now: number): Promise<void>
  /** Approves without a code (a magic link): pending, unexpired, under its limit, same code hash; true when won. */
  approve(id: string, codeHash: string, now: number): Promise<boolean>
  /**
   * Reserves a resend: a new code hash, sends + 1, a fresh expiry — only while
   * pending, unexpired, under max sends and past the cooldown. True when won.
   */
  reserveResend(
    id: string,
    update: {
      previousCodeHash: string
      codeHash: string
      now: number
      expiresAt: number
      /** The channel the new code goes by, when the person asked for another one. */
      channel?: string | undefined
      /** When this send's fallback is due (null: none). */
      fallbackDueAt: number | null
    },
  ): Promise<boolean>
  /** Undoes a reservation whose delivery failed, if nothing else changed the row since. */
  releaseResend(
    id: string,
    restore: {
      reservedCodeHash: string
      codeHash: string
      lastSentAt: number
      expiresAt: number
      now: number
      channel: string
      fallbackDueAt: number | null
    },
  ): Promise<void>
  /** Pending verifications whose channel fallback is due (any app), the longest due first. */
  listDueFallbacks(now: number, limit: number): Promise<VerificationRow[]>
  /**
   * Claims a due fallback: clears `fallback_due_at` only if it still holds `dueAt` and the verification is
   * pending. One conditional update: of several instances (or a receipt and the sweep), exactly one wins.
   */
  claimFallback(id: string, dueAt: number, now: number): Promise<boolean>
  /**
   * Reserves a fallback send: the new channel and code hash, sends + 1, a fresh expiry — only while pending,
   * unexpired, on `fromChannel` with `previousCodeHash` and under max sends. No cooldown: it paces people, not
   * fallbacks. True when won.
   */
  reserveFallback(
    id: string,
    update: {
      fromChannel: string
      previousCodeHash: string
      channel: string
      codeHash: string
      now: number
      expiresAt: number
      fallbackDueAt: number | null
    },
  ): Promise<boolean>
  /** Operator search (the console): filters as in VerificationFilter. */
  search(appId: string, filter: VerificationFilter): Promise<VerificationRow[]>
  /** Pending verifications past their expiry, oldest first (the sweep that writes verification.expired). */
  listOverdue(now: number, limit: number): Promise<VerificationRow[]>
  /** pending → status; true when this call changed it. */
  finish(appId: string, id: string, status: 'canceled' | 'expired', now: number): Promise<boolean>
}

/** Verification search for operators: every filter optional, newest first. */
export interface VerificationFilter {
  readonly status?: VerificationStatus | undefined
  readonly channel?: string | undefined
  readonly scene?: string | undefined
  /** Created at or after (ms). */
  readonly from?: number | undefined
  /** Created before (ms). */
  readonly to?: number | undefined
  /** The clock, so `pending` and `expired` mean what effectiveStatus says. */
  readonly now: number
  readonly limit: number
}

export interface TokenRepository {
  insert(token: NewToken): Promise<void>
  findByHash(appId: string, tokenHash: string): Promise<TokenRow | undefined>
  /** Marks consumed if unconsumed and unexpired; true when this caller won. */
  consume(appId: string, tokenHash: string, now: number): Promise<boolean>
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

export interface FactorRepository {
  insert(factor: FactorRow): Promise<void>
  findById(appId: string, id: string): Promise<FactorRow | undefined>
  listByUser(appId: string, userId: string): Promise<FactorRow[]>
  /** The user's active factor of this type used most recently (or, never used, created last). */
  findLatestActiveByType(appId: string, userId: string, type: string): Promise<FactorRow | undefined>
  /** True when this call deleted it. Its backup codes go with it. */
  delete(appId: string, userId: string, id: string): Promise<boolean>
  /**
   * Removes the user's other factors of a type (a new password or backup-code set replaces the old).
   * Of concurrent binds the newest wins: false when a newer one exists (or removed `keepId`), and
   * `keepId` is then removed too.
   */
  deleteOthersOfType(appId: string, userId: string, type: string, keepId: string): Promise<boolean>
  /**
   * The app's active factor of a type known by `identifier` (a passkey's credential id; index
   * factors_app_id_type_identifier), or undefined.
   */
  findActiveByIdentifier(appId: string, type: string, identifier: string): Promise<FactorRow | undefined>
  /** pending → active, taking `identifier` when given (a passkey's credential id); true when this call flipped it. */
  activate(id: string, now: number, identifier?: string): Promise<boolean>
  /** Renames the user's factor (its `label`); true when it exists. */
  rename(appId: string, userId: string, id: string, label: string, now: number): Promise<boolean>
  /** Flags the factor for the operator with a reason (`counter_regression`); the latest flag stands. */
  flag(id: string, reason: string, now: number): Promise<void>
  /**
   * Raises the factor's last used counter to `counter` if it is higher: the
   * single step that makes a TOTP code usable once. True when this caller won.
   */
  claimCounter(id: string, counter: number): Promise<boolean>
  /**
   * A success: the failures before its claim (`seenFailures`, as claimGuess answered) and the locks reset,
   * the guess leaves the in-flight count, last use recorded, optionally new material (a rehash) — only while
   * the factor is unlocked. True when it counted (false: a lock landed while the answer was judged).
   */
  recordSuccess(id: string, now: number, seenFailures: number, material?: string): Promise<boolean>
  /**
   * Claims one guess before it is judged: only while unlocked and while failures plus guesses in flight stay
   * under `maxFailures`. Answers the counts, or undefined when the guess may not be judged now.
   */
  claimGuess(
    id: string,
    maxFailures: number,
    now: number,
  ): Promise<{ failureCount: number; lockCount: number } | undefined>
  /** Gives back a claimed guess that was never judged (or was right but could not approve). */
  releaseGuess(id: string, now: number): Promise<void>
  /** A claimed guess was wrong: one more failure, one less in flight. Answers the new counts. */
  recordFailure(
    id: string,
    now: number,
  ): Promise<{ failureCount: number; lockCount: number; lockedUntil: number | null } | undefined>
  /** Locks the factor until `lockedUntil` if its failures reached `maxFailures` and it is not locked yet. */
  lockIfExhausted(id: string, maxFailures: number, lockedUntil: number, now: number): Promise<boolean>
  /** Claims whose process died never come back: forgets them, if the row is still as last seen. */
  forgetGuessesInFlight(id: string, seenUpdatedAt: number, now: number): Promise<boolean>
  /**
   * The decoy of a user and type (uniform_responses): a factor row with status `decoy` that nothing can prove,
   * counting and locking like a real one. Created on first use; racing callers get the same row.
   */
  findOrCreateDecoy(decoy: FactorRow): Promise<FactorRow>
  insertCodes(factorId: string, codeHashes: readonly string[]): Promise<void>
  /** Marks one unused code used; true when this caller won. */
  consumeCode(factorId: string, codeHash: string, now: number): Promise<boolean>
  countUnusedCodes(factorId: string): Promise<number>
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

/** Twilio Verify services of an app, the sids of their verifications and the codes sent for them. */
export interface VerifyServiceRepository {
  insert(service: VerifyServiceRow): Promise<void>
  find(appId: string, sid: string): Promise<VerifyServiceRow | undefined>
  /** Oldest first: `offset` rows skipped, at most `limit`. */
  list(appId: string, options: { limit: number; offset: number }): Promise<VerifyServiceRow[]>
  update(
    appId: string,
    sid: string,
    changes: { friendlyName: string; options: string; updatedAt: number },
  ): Promise<VerifyServiceRow | undefined>
  /** True when it existed. */
  delete(appId: string, sid: string): Promise<boolean>
  insertVerification(row: VerifyServiceVerificationRow): Promise<void>
  findVerification(appId: string, serviceSid: string, sid: string): Promise<VerifyServiceVerificationRow | undefined>
  findVerificationById(appId: string, verificationId: string): Promise<VerifyServiceVerificationRow | undefined>
  /** By its `VE…` sid alone, whatever its service (the /v1 API accepts the sid as the verification's id). */
  findVerificationBySid(appId: string, sid: string): Promise<VerifyServiceVerificationRow | undefined>
  /**
   * The service's newest verification still pending (not yet expired at `now`) for one of these identifiers:
   * the one a new start resends on, and a check by `To` judges.
   */
  findPendingFor(
    appId: string,
    serviceSid: string,
    identifiers: readonly string[],
    now: number,
  ): Promise<VerifyServiceVerificationRow | undefined>
  insertSendAttempt(row: VerifySendAttemptRow): Promise<void>
  /** Oldest first. */
  listSendAttempts(verificationSid: string): Promise<VerifySendAttemptRow[]>
}

/** Verification tokens kept, sealed, for one pickup by their app. */
export interface HeldTokenRepository {
  insert(row: {
    verificationId: string
    appId: string
    sealedToken: string
    expiresAt: number
    createdAt: number
  }): Promise<void>
  /** Removes the held token and answers it, or undefined when none (or another caller took it first). */
  take(appId: string, verificationId: string): Promise<{ sealedToken: string; expiresAt: number } | undefined>
}

/** Idempotency-Key claims and their recorded answers (http/plugins/idempotency.ts). */
export interface IdempotencyKeyRepository {
  /**
   * One conditional INSERT: creates the row, or takes over one that expired (or whose unanswered claim
   * lapsed, for the same request). True when this caller now holds the claim; of parallel callers on any
   * number of instances, exactly one wins.
   */
  claim(row: {
    appId: string
    idempotencyKey: string
    requestHash: string
    claimId: string
    now: number
    lockedUntil: number
    expiresAt: number
  }): Promise<boolean>
  find(appId: string, idempotencyKey: string): Promise<IdempotencyKeyRow | undefined>
  /** Records the answer of the claim `claimId`. */
  complete(appId: string, idempotencyKey: string, claimId: string, status: number, sealedBody: string): Promise<void>
  /** Gives the key back (the answer is not one to replay: a 429, a 5xx). */
  release(appId: string, idempotencyKey: string, claimId: string): Promise<void>
}
