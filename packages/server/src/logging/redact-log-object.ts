import { serializeError } from './log-serializers.js'
import { REDACTED, scrubText } from './scrub-text.js'

/**
 * Field and header names whose value is a code, token, key, secret, session id, identifier or a
 * whole request part. Headers are among them so a `headers` object logged anywhere loses its
 * credentials and keeps the rest. Names are compared by `keyForm`: `session_id`, `sessionId` and
 * `Session-Id` are one name.
 */
export const SECRET_KEYS: readonly string[] = [
  // headers
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-verification-token',
  'idempotency-key',
  'x-api-key',
  'x-twilio-signature',
  'x-hub-signature-256',
  'webhook-signature',
  // codes, tokens, keys, secrets
  'code',
  'codes',
  'verification_code',
  'custom_code',
  'token',
  'verification_token',
  'key',
  'admin_key',
  'api_key',
  'secret',
  'password',
  'auth_token',
  'api_secret',
  'signature_secret',
  'access_key_secret',
  'secret_key',
  'access_token',
  'app_secret',
  'private_key',
  'verify_token',
  'csrf',
  'session_id',
  'link',
  // identifiers
  'to',
  'identifier',
  'email',
  'phone',
  'msisdn',
  // whole request parts
  'url',
  'query',
  'params',
  'body',
  'raw_body',
  'raw_packet',
]

/** A name lower-cased, without `_` and `-`. */
function keyForm(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '')
}

const SECRET_KEY_FORMS: ReadonlySet<string> = new Set(SECRET_KEYS.map(keyForm))

const NO_KEYS: ReadonlySet<string> = new Set()

/** How deep plain data in a log object is searched. */
const MAX_DEPTH = 6

function isPlainData(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return true
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Plain data with every secret-named field censored and every string scrubbed (`scrubText`), at any
 * depth; the same object when there is nothing to change, a copy otherwise (the caller's object is
 * never touched). An error inside becomes what the error serializer makes of it (JSON.stringify would
 * write its enumerable properties, input included). Anything else that is not plain data (a request,
 * a reply, an error at the top) is left to the logger's serializers, and so are the top-level keys
 * those serializers own (`skipKeys`).
 */
export function redactLogObject<T>(value: T, skipKeys = NO_KEYS, depth = 0): T {
  if (typeof value === 'string') return scrubText(value) as T
  if (depth > 0 && value instanceof Error) return serializeError(value) as T
  if (!isPlainData(value) || depth > MAX_DEPTH) return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    value.forEach((item, index) => {
      const next = redactLogObject(item, NO_KEYS, depth + 1)
      if (next !== item) {
        copy ??= [...value]
        copy[index] = next
      }
    })
    return (copy ?? value) as T
  }
  let copy: Record<string, unknown> | undefined
  for (const [key, item] of Object.entries(value)) {
    if (depth === 0 && skipKeys.has(key)) continue
    const next = SECRET_KEY_FORMS.has(keyForm(key)) ? REDACTED : redactLogObject(item, NO_KEYS, depth + 1)
    if (next !== item) {
      copy ??= { ...value }
      copy[key] = next
    }
  }
  return (copy ?? value) as T
}
