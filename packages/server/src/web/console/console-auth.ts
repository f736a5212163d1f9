import { randomBytes } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import type { Clock } from '../../core/clock.js'
import { constantTimeEqual, hmacBase64Url } from '../../core/secrets.js'
import { csrfToken, isValidCsrf, serializeCookie } from '../page-security.js'

/** How long a console sign-in lasts. */
export const CONSOLE_SESSION_SECONDS = 8 * 3600

const SESSION_COOKIE = 'tessera_console'
const PRE_SESSION_COOKIE = 'tessera_console_pre'

/**
 * Console sessions as signed values with an expiry (`v1.<expires_ms>.<nonce>.<hmac>`):
 * nothing is stored server-side, any instance can check one, and the key is
 * derived from the admin key, so changing TESSERA_ADMIN_KEY ends every session.
 * Sign-out clears the cookie (a copied value stays valid until it expires; see
 * docs/decisions.md).
 */
export function createConsoleAuth(deps: { key: Buffer; clock: Clock }) {
  const sign = (payload: string) => hmacBase64Url(deps.key, `console-session:${payload}`)
  const cookie = (secure: boolean, maxAgeSeconds: number) => ({
    path: '/console',
    secure,
    sameSite: 'Strict' as const,
    maxAgeSeconds,
  })

  return {
    cookieName: SESSION_COOKIE,
    preCookieName: PRE_SESSION_COOKIE,

    isValidSession(value: string | undefined): boolean {
      if (!value || value.length > 200) return false
      const [version, expires, nonce, signature] = value.split('.')
      if (version !== 'v1' || !expires || !nonce || !signature) return false
      if (!(Number(expires) > deps.clock.nowMs())) return false
      return constantTimeEqual(sign(`${version}.${expires}.${nonce}`), signature)
    },

    startSession(reply: FastifyReply, secure: boolean): void {
      const payload = `v1.${deps.clock.nowMs() + CONSOLE_SESSION_SECONDS * 1000}.${randomBytes(12).toString('base64url')}`
      reply.header('set-cookie', [
        serializeCookie(SESSION_COOKIE, `${payload}.${sign(payload)}`, cookie(secure, CONSOLE_SESSION_SECONDS)),
        serializeCookie(PRE_SESSION_COOKIE, '', cookie(secure, 0)),
      ])
    },

    endSession(reply: FastifyReply, secure: boolean): void {
      reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', cookie(secure, 0)))
    },

    /** The sign-in form's cookie (set when absent), so even the sign-in form has a CSRF token. */
    preSession(cookies: Map<string, string>, secure: boolean, reply: FastifyReply): string {
      const existing = cookies.get(PRE_SESSION_COOKIE)
      if (existing && existing.length >= 20 && existing.length <= 100) return existing
      const value = randomBytes(24).toString('base64url')
      reply.header('set-cookie', serializeCookie(PRE_SESSION_COOKIE, value, cookie(secure, 3600)))
      return value
    },

    csrfFor(binding: string): string {
      return csrfToken(deps.key, 'console', 'form', binding)
    },

    isValidCsrf(binding: string | undefined, token: unknown): boolean {
      return isValidCsrf(deps.key, 'console', 'form', binding, token)
    },
  }
}
