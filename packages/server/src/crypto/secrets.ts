import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  randomFillSync,
  randomInt,
  timingSafeEqual,
} from 'node:crypto'

/** Alphabets for one-time codes. `alphanumeric` drops 0/O, 1/I/L so codes read aloud and type without doubt. */
export const CODE_ALPHABETS = {
  digits: '0123456789',
  alphanumeric: 'ABCDEFGHJKMNPQRSTUVWXYZ23456789',
} as const
export type CodeAlphabet = keyof typeof CODE_ALPHABETS

/**
 * A one-time code from the CSPRNG. `randomInt` draws by rejection sampling,
 * so every symbol is equally likely (no modulo bias).
 */
export function generateCode(length: number, alphabet: CodeAlphabet): string {
  const symbols = CODE_ALPHABETS[alphabet]
  let code = ''
  for (let i = 0; i < length; i++) code += symbols[randomInt(symbols.length)]
  return code
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz'

/**
 * CSPRNG bytes for ids, drawn 4 KiB at a time: one call into the generator per
 * 256 ids rather than one per id (a few % of a start request's CPU). Each byte
 * is handed out once.
 */
const idPool = Buffer.alloc(4096)
let idPoolOffset = idPool.length

/**
 * An unguessable id that sorts by creation time: prefix + the millisecond
 * time (48 bits, 10 chars) + 128 random bits (26 chars), in lower-case
 * Crockford base32. The time in front makes new rows land at the end of each
 * id index instead of at random pages, which halves the cost of an INSERT
 * under load (docs/benchmarks.md); the random part alone keeps it unguessable.
 * `nowMs`: the caller's clock (services pass their injected one, so tests control the order).
 */
export function generateId(prefix: string, bytes = 16, nowMs: number = Date.now()): string {
  if (idPoolOffset + bytes > idPool.length) {
    if (bytes > idPool.length) throw new RangeError('id too long')
    randomFillSync(idPool)
    idPoolOffset = 0
  }
  const start = idPoolOffset
  idPoolOffset += bytes
  let out = timePrefix(nowMs)
  let value = 0
  let bits = 0
  for (let i = start; i < start + bytes; i++) {
    value = (value << 8) | (idPool[i] as number)
    bits += 8
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31]
  return `${prefix}_${out}`
}

/**
 * The bound below which sort exactly the ids `generateId(prefix, …, t)` made with t < `ms`: a range of an id
 * column's index for rows made before a time.
 */
export function idsMadeBefore(prefix: string, ms: number): string {
  return `${prefix}_${timePrefix(ms)}`
}

let lastTimeMs = -1
let lastTimePrefix = ''

/** 48 bits of milliseconds as 10 base32 chars, most significant first (so text order is time order). */
function timePrefix(ms: number): string {
  if (ms === lastTimeMs) return lastTimePrefix
  let rest = ms
  let text = ''
  for (let i = 0; i < 10; i++) {
    text = CROCKFORD[rest % 32] + text
    rest = Math.floor(rest / 32)
  }
  lastTimeMs = ms
  lastTimePrefix = text
  return text
}

/** Constant-time equality of two strings (lengths may differ; that alone is not secret here). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  if (left.length !== right.length) return false
  return timingSafeEqual(left, right)
}

/** Keys derived from the one server secret, one per purpose (HKDF-SHA256), so no key serves two roles. */
export interface ServerKeys {
  /** HMAC key for one-time codes (bound to the verification id). */
  readonly codeHash: Buffer
  /** HMAC key for issued verification tokens (fast introspection). */
  readonly tokenHash: Buffer
  /** HMAC key for API keys. */
  readonly apiKeyHash: Buffer
  /** AES-256-GCM key for secrets at rest (signing keys, later TOTP seeds and provider credentials). */
  readonly encryption: Buffer
  /** HMAC key for the web pages: CSRF tokens, console session cookies, magic-link hashes. */
  readonly pageSigning: Buffer
}

export function deriveServerKeys(secret: string): ServerKeys {
  const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', secret, 'tessera/v1', purpose, 32))
  return {
    codeHash: derive('code-hash'),
    tokenHash: derive('token-hash'),
    apiKeyHash: derive('api-key-hash'),
    encryption: derive('encryption'),
    pageSigning: derive('page-signing'),
  }
}

export function hmacBase64Url(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url')
}

/**
 * The stored form of a one-time code: HMAC over the verification id and the
 * code, so a leaked table reveals no code and a hash is useless on another
 * verification.
 */
export function hashCode(keys: ServerKeys, verificationId: string, code: string): string {
  return hmacBase64Url(keys.codeHash, `${verificationId}:${code}`)
}

/** AES-256-GCM; output `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function encryptSecret(keys: ServerKeys, plaintext: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv)
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  const tag = cipher.getAuthTag()
  return ['v1', iv, tag, ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.')
}

export function decryptSecret(keys: ServerKeys, sealed: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.')
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('Unknown sealed secret format')
  const decipher = createDecipheriv('aes-256-gcm', keys.encryption, Buffer.from(iv, 'base64url'), {
    authTagLength: 16,
  })
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
}

/** A random secret for keys and generated server secrets: 32 bytes, base64url. */
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
