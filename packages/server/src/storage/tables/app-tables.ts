// Apps and their API keys. Conventions (names, times): database.ts.

export interface AppTable {
  id: string
  name: string
  /** JSON of the validated AppSettings. */
  settings: string
  createdAt: number
  updatedAt: number
}

export interface ApiKeyTable {
  id: string
  appId: string
  name: string
  /** The first characters of the key, shown to operators to tell keys apart. */
  prefix: string
  /** HMAC of the whole key; the key itself is never stored. */
  keyHash: string
  createdAt: number
  revokedAt: number | null
}
