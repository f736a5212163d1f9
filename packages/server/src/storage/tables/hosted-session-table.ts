// Hosted verification pages. Conventions (names, times): database.ts.

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
