import type { NewVerification, VerificationPurpose, VerificationRow, VerificationStatus } from '../database.js'
import type { RowForTable } from '../store.js'

/** Verifications: each state change (an attempt, an approval, an end) is one conditional UPDATE. */
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
  /**
   * Approves a verification whose check already claimed its attempt; true when this caller won. `rows` (its
   * event, its token) are inserted if and only if it won, committed with it (on PostgreSQL one statement).
   */
  approveClaimed(id: string, codeHash: string, now: number, rows?: readonly RowForTable[]): Promise<boolean>
  /** The last attempt was wrong: pending → max_attempts_reached. */
  exhaustAttempts(id: string, codeHash: string, now: number): Promise<void>
  /**
   * Approves without a code (a magic link): pending, unexpired, under its limit, same code hash; true when won.
   * `rows` as for approveClaimed.
   */
  approve(id: string, codeHash: string, now: number, rows?: readonly RowForTable[]): Promise<boolean>
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
