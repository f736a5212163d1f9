// Operator console sign-ins. Conventions (names, times): database.ts.

/** A signed-in operator console session (the cookie holds the secret; only its keyed hash is here). */
export interface ConsoleSessionTable {
  /** `cs_…`: the handle shown in the session list and used to revoke; not a credential. */
  id: string
  /** HMAC of the cookie's secret under a key derived from the admin key. */
  secretHash: string
  createdAt: number
  /** Updated at most once a minute (a write per console page would buy nothing). */
  lastSeenAt: number
  expiresAt: number
  revokedAt: number | null
  /** The sign-in's address with its host part hidden (`203.0.113.*`). */
  clientIpMasked: string | null
  /** Browser and system (`Chrome on Linux`), never the whole User-Agent. */
  userAgentSummary: string | null
}
