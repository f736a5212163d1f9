// A user's enrolled factors and their backup codes. Conventions (names, times): database.ts.

/** `decoy`: a stand-in that counts and locks like a factor under uniform_responses; never listed or proven. */
export type FactorStatus = 'pending' | 'active' | 'decoy'

export interface FactorTable {
  id: string
  appId: string
  userId: string
  type: string
  status: FactorStatus
  /** Normalised phone or email for delivered types; null otherwise. */
  identifier: string | null
  /** A caller-chosen name (TOTP account name), shown in lists. */
  label: string | null
  /** Type-specific secret material (TOTP seed, password hash), sealed with the server key. */
  material: string | null
  /** Highest one-time counter used (TOTP time step): a replay must exceed it. */
  lastCounter: number | null
  /** Consecutive failed checks across verifications. */
  failureCount: number
  /**
   * Guesses claimed but not yet judged (see core/guess-budget.ts): together with failureCount they may not
   * exceed the lockout's max_failures, so no more guesses are judged than the lockout allows.
   */
  guessesInFlight: number
  /** Locks so far without a success in between; each doubles the next delay. */
  lockCount: number
  lockedUntil: number | null
  /** When a check flagged the factor for the operator (a passkey's sign counter went backwards); null if never. */
  flaggedAt: number | null
  /** Why (`counter_regression`). */
  flagReason: string | null
  createdAt: number
  updatedAt: number
  lastUsedAt: number | null
}

export interface FactorCodeTable {
  factorId: string
  /** HMAC of one backup code; the code itself is shown once at binding. */
  codeHash: string
  usedAt: number | null
}
