import type { IdempotencyKeyRow } from '../database.js'

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
