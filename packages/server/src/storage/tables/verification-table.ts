// A verification: one attempt to prove an identifier or a factor. Conventions (names, times): database.ts.

export type VerificationStatus = 'pending' | 'approved' | 'expired' | 'canceled' | 'max_attempts_reached'

export interface VerificationTable {
  id: string
  appId: string
  channel: string
  /** Normalised identifier (E.164 or email); needed to resend and for the token's `to`. */
  identifier: string
  scene: string
  userId: string | null
  status: VerificationStatus
  /** HMAC(codeHash key, id:code) of the current code. */
  codeHash: string
  attempts: number
  maxAttempts: number
  sends: number
  maxSends: number
  resendCooldownSeconds: number
  ttlSeconds: number
  lastSentAt: number
  expiresAt: number
  createdAt: number
  updatedAt: number
  approvedAt: number | null
  locale: string | null
  clientIp: string | null
  /** JSON object or null. */
  metadata: string | null
  /** The factor this verification proves (challenges and bindings); null for a plain identifier check. */
  factorId: string | null
  /** `verify` issues a token on approval; `activate` turns a pending factor active instead. */
  purpose: VerificationPurpose
  /** 1 for a verification to one of the app's `test_recipients` (nothing sent, the entry's fixed code); else 0. */
  test: number
  /**
   * When the channel's fallback takes over unless a delivered receipt came first (ms); null when none is
   * pending. Cleared by whoever claims the fallback (one conditional update).
   */
  fallbackDueAt: number | null
}

/**
 * `verify` issues a token on approval; `activate` turns a pending factor
 * active; `decoy` stands in for a refused send or a missing factor under
 * uniform_responses and can never be approved.
 */
export type VerificationPurpose = 'verify' | 'activate' | 'decoy'
