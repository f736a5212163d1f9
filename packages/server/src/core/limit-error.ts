import { AppError } from '../errors/app-error.js'
import type { LimitDecision } from './rate-limiter.js'

/** A refused limit as the contract answers it: 4029, retry_after, Retry-After and RateLimit-* headers. */
export function rateLimitedError(decision: Exclude<LimitDecision, { ok: true }>): AppError {
  return new AppError('rate_limited', {
    details: { retry_after: decision.retryAfterSeconds, limit: decision.name },
    headers: {
      'ratelimit-limit': String(decision.max),
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(decision.retryAfterSeconds),
    },
  })
}
