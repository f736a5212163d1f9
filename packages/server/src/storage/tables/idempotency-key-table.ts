/**
 * An Idempotency-Key of one app: the request it was first used with and, once answered, that answer.
 * `responseStatus` null means the first request is still in flight (until `lockedUntil`).
 */
export interface IdempotencyKeyTable {
  appId: string
  idempotencyKey: string
  /** SHA-256 of method, route, path parameters and canonical JSON body. */
  requestHash: string
  /** Random per claim: only the request that made the claim may answer or release it. */
  claimId: string
  responseStatus: number | null
  /** The answer's body, sealed with the server key (a bind answers secrets once). */
  responseBody: string | null
  /** An unanswered claim older than this was lost with its process and may be taken over (ms). */
  lockedUntil: number
  createdAt: number
  /** The key may be used for another request after this (ms). */
  expiresAt: number
}
