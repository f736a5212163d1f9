/**
 * The error catalogue: every failure the API can answer, with its stable
 * number and HTTP status. Codes are API — add new ones, never rename,
 * renumber or reuse one. `docs/errors.md` has a section per code (a test
 * keeps the two in step).
 */
export const ERROR_CODES = {
  invalid_request: { number: 4000, status: 400, message: 'The request is invalid.' },
  invalid_verification_code: {
    number: 4001,
    status: 400,
    message: 'Verification code is incorrect.',
  },
  invalid_grant: {
    number: 4002,
    status: 400,
    message: 'The code is not valid: unknown, expired, already used, or issued for another session or app.',
  },
  verification_not_found: { number: 4004, status: 404, message: 'No such verification.' },
  verification_expired: {
    number: 4005,
    status: 410,
    message: 'The verification has expired; start a new one.',
  },
  max_attempts_reached: {
    number: 4006,
    status: 429,
    message: 'Too many attempts; start a new verification.',
  },
  max_sends_reached: {
    number: 4007,
    status: 429,
    message: 'No more codes can be sent for this verification; start a new one.',
  },
  resend_too_soon: {
    number: 4008,
    status: 429,
    message: 'A code was sent moments ago; retry later.',
  },
  verification_not_pending: {
    number: 4009,
    status: 409,
    message: 'The verification is no longer pending.',
  },
  unauthorized: { number: 4010, status: 401, message: 'Missing or invalid credentials.' },
  invalid_identifier: {
    number: 4011,
    status: 400,
    message: 'The phone number or email address is not valid.',
  },
  channel_not_enabled: {
    number: 4012,
    status: 400,
    message: 'This channel is not enabled for the app.',
  },
  payload_too_large: { number: 4013, status: 413, message: 'The request body is too large.' },
  unsupported_media_type: {
    number: 4015,
    status: 415,
    message: 'The request body must be application/json.',
  },
  factor_locked: {
    number: 4023,
    status: 423,
    message: 'This verification method is locked after too many failures; retry later.',
  },
  rate_limited: { number: 4029, status: 429, message: 'Too many requests; retry later.' },
  forbidden: { number: 4030, status: 403, message: 'This credential may not do that.' },
  factor_not_allowed: {
    number: 4031,
    status: 403,
    message: 'This verification type is not allowed in this scene.',
  },
  not_found: { number: 4040, status: 404, message: 'No such resource.' },
  factor_not_found: { number: 4041, status: 404, message: 'No such factor.' },
  method_not_allowed: {
    number: 4050,
    status: 405,
    message: 'This method is not allowed on this resource.',
  },
  webhook_not_found: { number: 4120, status: 404, message: 'No such webhook endpoint.' },
  webhook_limit_reached: {
    number: 4121,
    status: 409,
    message: 'This app has the most webhook endpoints allowed (10); delete one first.',
  },
  invalid_webhook_url: {
    number: 4122,
    status: 400,
    message: 'A webhook URL must be https, or http on a loopback address.',
  },
  event_not_found: { number: 4123, status: 404, message: 'No such event.' },
  idempotency_key_reused: {
    number: 4140,
    status: 422,
    message: 'This Idempotency-Key was used with a different request.',
  },
  request_in_progress: {
    number: 4141,
    status: 409,
    message: 'A request with this Idempotency-Key is still in progress; retry later.',
  },
  internal_error: { number: 5000, status: 500, message: 'An internal error occurred.' },
  delivery_failed: { number: 5002, status: 502, message: 'The message could not be delivered.' },
  service_unavailable: {
    number: 5003,
    status: 503,
    message: 'A dependency is unavailable; retry later.',
  },
} as const satisfies Record<string, { number: number; status: number; message: string }>

export type ErrorCode = keyof typeof ERROR_CODES
