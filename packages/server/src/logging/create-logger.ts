import { createRequire } from 'node:module'
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
export function createLogger(options: {
  level: string
  /** `json` (the default): JSON lines for collectors; `pretty`: one readable line per entry, for a terminal. */
  format?: LogFormat
  /** Colours in pretty lines (default: on). */
  colorize?: boolean
  destination?: DestinationStream
}): Logger {
  const destination =
    options.format === 'pretty' ? prettyDestination(options.destination, options.colorize ?? true) : options.destination
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      serializers: LOG_SERIALIZERS,
      hooks: { logMethod: redactingLogMethod },
      base: { service: 'tessera' },
    },
    destination,
  )
}

export type LogFormat = 'json' | 'pretty'

/**
 * `LOG_FORMAT` when set; else readable lines when standard output is a terminal (a person is watching) outside
 * production, and JSON lines otherwise (a file, a pipe, a log collector, a production supervisor).
 */
export function logFormatFor(options: {
  configured: LogFormat | undefined
  isTerminal: boolean
  nodeEnv: string
}): LogFormat {
  if (options.configured) return options.configured
  return options.isTerminal && options.nodeEnv !== 'production' ? 'pretty' : 'json'
}

/**
 * pino-pretty's formatter, called synchronously on the very JSON line the JSON format would write — so
 * redaction and scrubbing happened before, and a secret can no more appear in a pretty line than in a JSON
 * one. Not its worker transport: nothing is lost when the process exits right after a line. One line per
 * entry: time, level, message, then the remaining fields.
 */
function prettyDestination(destination: DestinationStream | undefined, colorize: boolean): DestinationStream {
  const out = destination ?? pino.destination({ dest: 1, sync: true })
  // Required here, not imported: only the pretty format needs pino-pretty and its own libraries, and in the
  // one-file build (bin/load-cli.js) a static import of it would load them at every start.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty')
  const pretty = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    // Errors inline with the other fields (the stack as one JSON string), not as an indented block.
    errorLikeObjectKeys: [],
  })
  return { write: (line: string) => out.write(pretty(line)) }
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
