// Verification tokens issued on approval. Conventions (names, times): database.ts.

export interface TokenTable {
  /** The JWT's `jti`. */
  id: string
  appId: string
  verificationId: string
  /** HMAC of the token string: introspection recognises our tokens without a signature check. */
  tokenHash: string
  scene: string
  channel: string
  identifier: string
  userId: string | null
  issuedAt: number
  expiresAt: number
  consumedAt: number | null
  /** The factor whose challenge produced the token, if any (step-up proofs need one). */
  factorId: string | null
}
