import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com), self-contained so an SDK can copy or
 * import it: the receiver's check is the same computation. A signature is HMAC-SHA256, keyed with the
 * bytes of the base64 secret after `whsec_`, over `${webhook-id}.${webhook-timestamp}.${body}`, sent as
 * `v1,<base64>`; several space-separated ones while a secret is being rotated.
 */

const SECRET_PREFIX = 'whsec_'
/** The spec's advice: refuse messages whose timestamp is more than five minutes off. */
const DEFAULT_TOLERANCE_SECONDS = 5 * 60

/** A new signing secret: `whsec_` and 32 random bytes in base64 (the spec allows 24 to 64). */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret
  return Buffer.from(encoded, 'base64')
}

/** One `v1,<base64>` signature of a message. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')
  return `v1,${mac}`
}

/** The three headers of a delivery, signed with every given secret (the current one first). */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((secret) => signWebhook(secret, id, timestampSeconds, body)).join(' '),
  }
}

/**
 * The receiver's check: true when one of the `v1` signatures in `signatureHeader` is the body's under
 * `secret` and the timestamp is within `toleranceSeconds` of `nowSeconds`. Compared in constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp)
  if (!/^\d+$/.test(headers.timestamp) || !Number.isSafeInteger(timestamp)) return false
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body).slice(3), 'base64')
  return headers.signature.split(' ').some((entry) => {
    const [version, mac] = entry.split(',', 2)
    if (version !== 'v1' || mac === undefined) return false
    const given = Buffer.from(mac, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}
