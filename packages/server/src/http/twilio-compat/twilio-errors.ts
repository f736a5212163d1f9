import { BUILT_IN_CHANNELS } from '../../channels/built-in-channels.js'
import type { AppError } from '../../errors/app-error.js'
import type { ErrorCode } from '../../errors/error-codes.js'

/** An error as Twilio's API answers it (and its helper libraries read it into a RestException). */
export interface TwilioError {
  readonly code: number
  readonly message: string
  readonly more_info: string
  readonly status: number
}

interface TwilioCode {
  readonly code: number
  readonly status: number
  readonly message: string
}

const AUTH: TwilioCode = { code: 20003, status: 401, message: 'Authenticate' }
const NOT_FOUND: TwilioCode = { code: 20404, status: 404, message: 'The requested resource was not found' }
const INVALID_PARAMETER: TwilioCode = { code: 60200, status: 400, message: 'Invalid parameter' }
const MAX_CHECKS: TwilioCode = { code: 60202, status: 429, message: 'Max check attempts reached' }
const MAX_SENDS: TwilioCode = { code: 60203, status: 429, message: 'Max send attempts reached' }
const LANDLINE: TwilioCode = { code: 60205, status: 400, message: 'SMS is not supported by landline phone number' }
const CONCURRENT: TwilioCode = {
  code: 60212,
  status: 429,
  message: 'Too many concurrent requests for phone number',
}
const FRAUD_GUARD: TwilioCode = {
  code: 60410,
  status: 403,
  message: 'Verification delivery attempt blocked: the destination is blocked by fraud prevention',
}
const TOO_MANY: TwilioCode = { code: 20429, status: 429, message: 'Too Many Requests' }
const METHOD: TwilioCode = { code: 20004, status: 405, message: 'Method not allowed' }
const UNAVAILABLE: TwilioCode = { code: 20503, status: 503, message: 'Service unavailable' }
const INTERNAL: TwilioCode = { code: 20500, status: 500, message: 'Internal server error' }

/**
 * The one table from Tessera's error codes to Twilio's (docs/twilio-compat.md lists it). Codes that need
 * more than the code to choose (`invalid_identifier`, `rate_limited`) are refined in `twilioCodeOf`.
 */
export const TWILIO_CODES: Readonly<Partial<Record<ErrorCode, TwilioCode>>> = {
  invalid_request: INVALID_PARAMETER,
  invalid_verification_code: INVALID_PARAMETER,
  invalid_grant: INVALID_PARAMETER,
  verification_not_found: NOT_FOUND,
  verification_expired: NOT_FOUND,
  max_attempts_reached: MAX_CHECKS,
  max_sends_reached: MAX_SENDS,
  resend_too_soon: TOO_MANY,
  verification_not_pending: NOT_FOUND,
  unauthorized: AUTH,
  invalid_identifier: INVALID_PARAMETER,
  channel_not_enabled: INVALID_PARAMETER,
  payload_too_large: INVALID_PARAMETER,
  unsupported_media_type: INVALID_PARAMETER,
  factor_locked: TOO_MANY,
  rate_limited: TOO_MANY,
  forbidden: AUTH,
  factor_not_allowed: INVALID_PARAMETER,
  not_found: NOT_FOUND,
  factor_not_found: NOT_FOUND,
  method_not_allowed: METHOD,
  internal_error: INTERNAL,
  delivery_failed: UNAVAILABLE,
  service_unavailable: UNAVAILABLE,
}

/** Limits the channels' guards own (the SMS pumping guard's velocity limits) and the guard's conversion throttle. */
const GUARD_LIMITS = new Set<string>([
  'conversion_guard',
  ...BUILT_IN_CHANNELS.flatMap((channel) => ('limitsSchema' in channel ? Object.keys(channel.limitsSchema) : [])),
])

/** Per-recipient send limits: Twilio's "too many requests for this number". */
const RECIPIENT_LIMITS = new Set(['sends_per_identifier', 'sends_per_identifier_daily'])

export function twilioCodeOf(error: AppError): TwilioCode {
  if (error.code === 'invalid_identifier') {
    if (error.reason === 'guard') return FRAUD_GUARD
    if (error.reason === 'unreachable') return LANDLINE
  }
  if (error.code === 'rate_limited') {
    const limit = String(error.details?.limit ?? '')
    if (GUARD_LIMITS.has(limit)) return FRAUD_GUARD
    if (RECIPIENT_LIMITS.has(limit)) return CONCURRENT
  }
  return TWILIO_CODES[error.code] ?? byStatus(error.status)
}

/** A code added to the catalogue later and not in the table yet: the Twilio code of its HTTP status's kind. */
function byStatus(status: number): TwilioCode {
  if (status === 401 || status === 403) return AUTH
  if (status === 404 || status === 410) return NOT_FOUND
  if (status === 429) return TOO_MANY
  if (status >= 400 && status < 500) return INVALID_PARAMETER
  return status === 503 || status === 502 ? UNAVAILABLE : INTERNAL
}

/** Twilio's body for an AppError: Tessera's message where it says more than Twilio's generic one. */
export function toTwilioError(error: AppError): TwilioError {
  const twilio = twilioCodeOf(error)
  const message =
    twilio === NOT_FOUND && error.message.startsWith('The requested resource')
      ? error.message.replace(/\.$/, '')
      : twilio === AUTH || twilio === INTERNAL
        ? twilio.message
        : error.message.startsWith(twilio.message)
          ? error.message
          : `${twilio.message}: ${error.message}`
  return {
    code: twilio.code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${twilio.code}`,
    status: twilio.status,
  }
}
