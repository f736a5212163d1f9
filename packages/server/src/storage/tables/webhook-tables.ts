/** An app's webhook endpoint. */
export interface WebhookEndpointTable {
  /** `whk_…` */
  id: string
  appId: string
  url: string
  /** JSON list of event types, or `["*"]`. */
  events: string
  /** 1 or 0. */
  enabled: number
  description: string | null
  /** The `whsec_…` signing secret, sealed with the server key. */
  secret: string
  /** The secret before the last rotation (sealed): it keeps signing until `previousSecretExpiresAt`. */
  previousSecret: string | null
  previousSecretExpiresAt: number | null
  /** When its deliveries started failing without a success since; null while healthy. */
  failingSince: number | null
  /** Why the service disabled it (failing for days); null when enabled or disabled by an operator. */
  disabledReason: string | null
  createdAt: number
  updatedAt: number
}

export type WebhookMessageStatus = 'pending' | 'succeeded' | 'failed'

/** One event to be delivered to one endpoint: retried on its schedule until it succeeds or gives up. */
export interface WebhookMessageTable {
  id: string
  appId: string
  eventId: string
  endpointId: string
  status: WebhookMessageStatus
  /** Tries made so far. */
  attempts: number
  /** When the next try is due (ms); null once final. */
  nextAttemptAt: number | null
  /** A dispatcher's lease while it posts: no other instance claims the message before this (ms). */
  claimedUntil: number | null
  createdAt: number
  updatedAt: number
}

/** One HTTP try of a message. */
export interface WebhookAttemptTable {
  id: string
  appId: string
  eventId: string
  endpointId: string
  messageId: string
  attemptedAt: number
  /** The endpoint's HTTP status; null when it did not answer. */
  responseStatus: number | null
  latencyMs: number
  /** Why it failed (`timeout`, `connection refused`, `status 500`); null on success. */
  error: string | null
  /** 1 or 0. */
  succeeded: number
}
