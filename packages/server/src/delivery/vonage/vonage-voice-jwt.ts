import { createHash, createHmac, createPrivateKey, randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { constantTimeEqual } from '../../crypto/secrets.js'

/** How long a request's JWT is valid: one request, so minutes suffice. */
const JWT_LIFETIME_SECONDS = 300

/**
 * The JWT a Vonage application authenticates Voice API requests with: RS256 with the application's private key,
 * claims `application_id`, `iat`, `exp` and a unique `jti`.
 * https://developer.vonage.com/en/getting-started/concepts/authentication#json-web-tokens
 */
export async function vonageApplicationJwt(applicationId: string, privateKeyPem: string, nowMs: number) {
  const issuedAt = Math.floor(nowMs / 1000)
  // createPrivateKey reads PKCS#8 (what the dashboard downloads) and PKCS#1 alike.
  return new SignJWT({ application_id: applicationId })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + JWT_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(createPrivateKey(privateKeyPem))
}

/** Signed webhooks older than this (or this far ahead) are refused; Vonage retries a failed one within minutes. */
const MAX_SKEW_SECONDS = 3600

/**
 * Vonage's signed webhooks (Voice events): `Authorization: Bearer <JWT>`, HS256 with the account's signature
 * secret, whose `payload_hash` claim is the hex SHA-256 of the body, so the body cannot be changed.
 * https://developer.vonage.com/en/getting-started/concepts/webhooks#validating-signed-webhooks
 */
export function isValidVonageWebhookJwt(
  authorization: string | undefined,
  rawBody: string,
  signatureSecret: string,
  nowMs: number,
): Record<string, unknown> | undefined {
  const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1]
  const parts = token?.split('.')
  if (parts?.length !== 3) return undefined
  const [header, payload, signature] = parts as [string, string, string]
  const expected = createHmac('sha256', signatureSecret).update(`${header}.${payload}`).digest('base64url')
  if (!constantTimeEqual(expected, signature)) return undefined
  let claims: Record<string, unknown>
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg
    if (alg !== 'HS256') return undefined
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (typeof claims !== 'object' || claims === null) return undefined
  const issuedAt = claims.iat
  if (typeof issuedAt !== 'number' || Math.abs(nowMs / 1000 - issuedAt) > MAX_SKEW_SECONDS) return undefined
  const bodyHash = createHash('sha256').update(rawBody, 'utf8').digest('hex')
  if (typeof claims.payload_hash !== 'string' || !constantTimeEqual(claims.payload_hash.toLowerCase(), bodyHash)) {
    return undefined
  }
  return claims
}
