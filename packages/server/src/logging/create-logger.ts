import pino, { type DestinationStream, type LogFn, type Logger } from 'pino'
import { LOG_SERIALIZERS } from './log-serializers.js'
import { redactLogObject, SECRET_KEYS } from './redact-log-object.js'
import { REDACTED, scrubText } from './scrub-text.js'

/** Top-level keys the serializers own: they write requests, replies and errors without secrets. */
const SERIALIZED_KEYS: ReadonlySet<string> = new Set(Object.keys(LOG_SERIALIZERS))

/**
 * pino's own redaction, for top-level keys only: it also covers child loggers' bindings, which the
 * log hook never sees. Nested fields are censored by the hook (`redactLogObject`): pino's `*.field`
 * wildcards cost 15–30 µs per request at `info` (two log lines, measured with the sixteen paths used
 * before), the hook and serializers about 2 µs.
 */
const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => {
  const camel = key.replace(/[-_]([a-z])/g, (_, letter: string) => letter.toUpperCase())
  return camel === key ? [`["${key}"]`] : [`["${key}"]`, `["${camel}"]`]
})

/**
 * The service's logger: JSON lines on stdout, at `level`. No line holds a code, token, key, secret,
 * session id or full identifier, at any level: requests are logged by route template and errors
 * without their input (`LOG_SERIALIZERS`); secret-named fields are censored at any depth and every
 * string, the message included, is scrubbed of URL queries, session ids, keys, tokens, email
 * addresses and phone numbers (`redactLogObject`, `scrubText`), because libraries put URLs and error
 * messages there.
 */
export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      serializers: LOG_SERIALIZERS,
      hooks: { logMethod: redactingLogMethod },
      base: { service: 'tessera' },
    },
    options.destination,
  )
}

/**
 * Redacts every argument of a log call. A call with an error and no message (`log.error(err)`,
 * `log.error({ err })`) would have pino copy the raw `err.message` into `msg`: it gets the scrubbed one.
 */
function redactingLogMethod(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const parts = args as unknown[]
  for (let i = 0; i < parts.length; i++) parts[i] = redactLogObject(parts[i], SERIALIZED_KEYS)
  const [first] = parts
  if (parts.length === 1 && typeof first === 'object' && first !== null) {
    const error = first instanceof Error ? first : (first as { err?: unknown }).err
    if (error instanceof Error) parts.push(scrubText(error.message))
  }
  method.apply(this, parts as Parameters<LogFn>)
}
