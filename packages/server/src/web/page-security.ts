import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { constantTimeEqual, hmacBase64Url } from '../crypto/secrets.js'

/** A fresh CSP nonce for one response. */
export function newNonce(): string {
  return randomBytes(18).toString('base64')
}

/**
 * The pages' Content-Security-Policy: nothing loads but what this response
 * names by nonce or serves itself; no inline script or style without the
 * nonce; forms post only here (and, for the hosted flow, to the redirect's
 * origin, which Chrome checks on a form's redirect too).
 */
export function pageCsp(nonce: string, formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action 'self'${formTargets.map((target) => ` ${target}`).join('')}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Headers every HTML page gets. */
export function sendPage(
  reply: FastifyReply,
  body: string,
  options: { nonce: string; status?: number; formTargets?: readonly string[] },
): FastifyReply {
  return reply
    .status(options.status ?? 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', pageCsp(options.nonce, options.formTargets))
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .send(body)
}

/** Whether the request reached us over TLS (directly, or per a trusted proxy), or the public URL is https. */
export function isSecureRequest(request: FastifyRequest, publicUrl: string): boolean {
  return request.protocol === 'https' || publicUrl.startsWith('https://')
}

/**
 * Signed double-submit CSRF tokens: the browser holds a random cookie; each
 * form carries HMAC(key, purpose:binding:cookie). A cross-site form cannot
 * read the cookie nor compute the token, and a token for one session (or the
 * console) is worthless for another.
 */
export function csrfToken(key: Buffer, purpose: string, binding: string, cookie: string): string {
  return hmacBase64Url(key, `csrf:${purpose}:${binding}:${cookie}`)
}

export function isValidCsrf(
  key: Buffer,
  purpose: string,
  binding: string,
  cookie: string | undefined,
  token: unknown,
): boolean {
  if (!cookie || typeof token !== 'string' || token.length > 100) return false
  return constantTimeEqual(csrfToken(key, purpose, binding, cookie), token)
}

/** One field's value (the last, when repeated). */
export function formField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const value = (body as Record<string, unknown>)[name]
  if (Array.isArray(value)) return typeof value.at(-1) === 'string' ? (value.at(-1) as string) : undefined
  return typeof value === 'string' ? value : undefined
}
