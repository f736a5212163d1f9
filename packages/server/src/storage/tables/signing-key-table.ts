// The keys that sign verification tokens. Conventions (names, times): database.ts.

export interface SigningKeyTable {
  /** The `kid`. */
  id: string
  algorithm: string
  /** Public JWK as JSON. */
  publicJwk: string
  /** PKCS#8 PEM sealed with the server's encryption key. */
  privateKey: string
  createdAt: number
  retiredAt: number | null
  /** Revoked: out of the JWKS at once, and its tokens answer `revoked` (retiredAt is set too). */
  revokedAt: number | null
}
