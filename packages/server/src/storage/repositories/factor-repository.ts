import type { FactorRow } from '../database.js'

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
