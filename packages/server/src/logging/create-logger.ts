import pino, { type DestinationStream, type Logger } from 'pino'

/**
 * Paths that may hold a code, token, key, secret or identifier. The service
 * never logs those on purpose; redaction is the second line, for whatever a
 * library or a future change puts into a log object.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-verification-token"]',
  'req.headers.cookie',
  '*.authorization',
  '*.code',
  '*.verification_code',
  '*.custom_code',
  '*.token',
  '*.verification_token',
  '*.key',
  '*.secret',
  '*.password',
  '*.to',
  '*.identifier',
  '*.email',
  '*.phone',
]

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'tessera' },
    },
    options.destination,
  )
}
