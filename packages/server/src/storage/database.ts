import type { Generated, Insertable, Selectable } from 'kysely'
import type { WebhookAttemptTable, WebhookEndpointTable, WebhookMessageTable } from './tables/webhook-tables.js'

export type {
  WebhookAttemptTable,
  WebhookEndpointTable,
  WebhookMessageStatus,
  WebhookMessageTable,
} from './tables/webhook-tables.js'

import type {
  HeldTokenTable,
  VerifySendAttemptTable,
  VerifyServiceTable,
  VerifyServiceVerificationTable,
} from './tables/verify-service-tables.js'

export type {
  HeldTokenTable,
  VerifySendAttemptTable,
  VerifyServiceTable,
  VerifyServiceVerificationTable,
} from './tables/verify-service-tables.js'

import type { IdempotencyKeyTable } from './tables/idempotency-key-table.js'

export type { IdempotencyKeyTable } from './tables/idempotency-key-table.js'

// Table typings. Columns are snake_case in the database; Kysely's
// CamelCasePlugin maps them to these camelCase names. Times are integer
// milliseconds since the epoch on every engine, so no dialect's date type
// leaks into the core.

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

export interface EventTable {
  id: string
  appId: string | null
  kind: string
  verificationId: string | null
  /** Masked identifier only; never the full one. */
  identifierMasked: string | null
  clientIp: string | null
  /** JSON object or null. */
  details: string | null
  createdAt: number
  /** The webhook body (`{ type, timestamp, data }` as JSON), fixed at insert; null for events of no app. */
  payload: string | null
  /** 1 until a dispatcher has fanned the event out to the app's endpoints (the outbox's queue). */
  dispatchPending: Generated<number>
}

/** A hosted verification session (POST /v1/sessions): the pages' state between requests. */
export interface HostedSessionTable {
  /** `ses_…`, unguessable: it is the capability in the hosted page's URL. */
  id: string
  appId: string
  scene: string
  /** Comma-separated channels offered (`sms`, `email`). */
  channels: string
  /** An identifier the caller fixed in advance, or null. */
  presetTo: string | null
  redirectUrl: string
  /** Opaque caller value, returned on the redirect. */
  state: string | null
  locale: string | null
  /** The verification in flight, once the person asked for a code. */
  verificationId: string | null
  channel: string | null
  /** HMAC of the magic link's secret; null when none is outstanding (never sent, or used). */
  linkHash: string | null
  completedAt: number | null
  createdAt: number
  updatedAt: number
  expiresAt: number
  /** `token`: the redirect carries the token; `code`: a one-time code the backend exchanges for it. */
  responseMode: 'token' | 'code'
  /** Code mode, once completed: HMAC of the exchange code; null before, after the exchange, and in token mode. */
  exchangeCodeHash: string | null
  /** When the exchange code stops working (ms). */
  exchangeExpiresAt: number | null
  /** The verification token sealed with the server key (AES-256-GCM) until the exchange wipes it. */
  sealedToken: string | null
  /** `verify` (prove a channel or a passkey) or `enroll` (add a factor of the one type in `channels`). */
  purpose: 'verify' | 'enroll'
  /** The user the session is for (enrolment; a passkey sign-in of a known user); null otherwise. */
  userId: string | null
  /** Enrolment: the step-up token the person earned on the page, sealed, until the new factor spends it. */
  sealedStepUp: string | null
}

export type DeliveryStatusColumn = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed'

/** One attempt of one provider to deliver one code. */
export interface DeliveryTable {
  id: string
  appId: string
  verificationId: string
  /** Place in the provider chain of its send (0 first): orders attempts made in the same millisecond. */
  attempt: number
  channel: string
  provider: string
  status: DeliveryStatusColumn
  providerMessageId: string | null
  errorCode: string | null
  createdAt: number
  /** When the status last changed. */
  updatedAt: number
}

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

export interface Database {
  apps: AppTable
  apiKeys: ApiKeyTable
  verifications: VerificationTable
  tokens: TokenTable
  signingKeys: SigningKeyTable
  events: EventTable
  factors: FactorTable
  factorCodes: FactorCodeTable
  hostedSessions: HostedSessionTable
  deliveries: DeliveryTable
  consoleSessions: ConsoleSessionTable
  verifyServices: VerifyServiceTable
  verifyServiceVerifications: VerifyServiceVerificationTable
  verifySendAttempts: VerifySendAttemptTable
  heldTokens: HeldTokenTable
  idempotencyKeys: IdempotencyKeyTable
  webhookEndpoints: WebhookEndpointTable
  webhookMessages: WebhookMessageTable
  webhookAttempts: WebhookAttemptTable
}

export type AppRow = Selectable<AppTable>
export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>
export type ApiKeyRow = Selectable<ApiKeyTable>
export type NewApiKey = Insertable<ApiKeyTable>
export type VerificationRow = Selectable<VerificationTable>
export type NewVerification = Insertable<VerificationTable>
export type TokenRow = Selectable<TokenTable>
export type NewToken = Insertable<TokenTable>
export type SigningKeyRow = Selectable<SigningKeyTable>
export type EventRow = Selectable<EventTable>
export type FactorRow = Selectable<FactorTable>
export type NewEvent = Insertable<EventTable>
export type HostedSessionRow = Selectable<HostedSessionTable>
export type DeliveryRow = Selectable<DeliveryTable>
export type ConsoleSessionRow = Selectable<ConsoleSessionTable>
export type VerifyServiceRow = Selectable<VerifyServiceTable>
export type VerifyServiceVerificationRow = Selectable<VerifyServiceVerificationTable>
export type VerifySendAttemptRow = Selectable<VerifySendAttemptTable>
export type WebhookEndpointRow = Selectable<WebhookEndpointTable>
export type WebhookMessageRow = Selectable<WebhookMessageTable>
export type WebhookAttemptRow = Selectable<WebhookAttemptTable>
