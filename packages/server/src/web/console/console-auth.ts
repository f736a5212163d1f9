import { randomBytes } from 'node:crypto'
import { isIPv6 } from 'node:net'
import type { CookieSerializeOptions } from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  CONSOLE_SESSION_SECONDS,
  type ConsoleSession,
  type ConsoleSessionService,
} from '../../core/console-session-service.js'
import { ipRangeOf } from '../../core/ip-range.js'
import type { Bucket } from '../../core/rate-limiter.js'
import { csrfToken, isValidCsrf } from '../page-security.js'

const SESSION_COOKIE = 'tessera_console'
const PRE_SESSION_COOKIE = 'tessera_console_pre'

/**
 * Failed console sign-ins allowed per client address and window. The admin key is long and random, so this
 * is not what keeps it unguessed; it keeps a guessing script from hammering the one operator credential (and
 * the log) and makes such a script visible. An operator who typed it wrong ten times waits a quarter hour or
 * uses the CLI.
 */
export const SIGN_IN_FAILURES_PER_IP = { max: 10, windowSeconds: 900 } as const

/**
 * The console's cookies and CSRF tokens over server-side sessions
 * (core/console-session-service.ts): the session cookie holds the session's
 * random secret; the CSRF token of every form is bound to it, as before.
 * Cookies are read and written by @fastify/cookie (registered by the console plugin).
 */
export function createConsoleAuth(deps: {
  key: Buffer
  sessions: Pick<ConsoleSessionService, 'authenticate' | 'start'>
}) {
  const cookie = (secure: boolean, maxAge: number): CookieSerializeOptions => ({
    path: '/console',
    httpOnly: true,
    secure,
    sameSite: 'strict',
    maxAge,
  })

  return {
    /** The live session the cookie names, or undefined (none, unknown, revoked or expired). */
    async session(request: FastifyRequest): Promise<{ secret: string; session: ConsoleSession } | undefined> {
      const secret = request.cookies[SESSION_COOKIE]
      const session = await deps.sessions.authenticate(secret)
      return session && secret ? { secret, session } : undefined
    },

    async startSession(
      reply: FastifyReply,
      secure: boolean,
      client: { ip?: string | undefined; userAgent?: string | undefined },
    ): Promise<void> {
      const { secret } = await deps.sessions.start(client)
      reply.setCookie(SESSION_COOKIE, secret, cookie(secure, CONSOLE_SESSION_SECONDS))
      reply.setCookie(PRE_SESSION_COOKIE, '', cookie(secure, 0))
    },

    /** Clears the cookie (the caller revokes the session server-side). */
    clearCookie(reply: FastifyReply, secure: boolean): void {
      reply.setCookie(SESSION_COOKIE, '', cookie(secure, 0))
    },

    /** The sign-in form's cookie (set when absent), so even the sign-in form has a CSRF token. */
    preSession(request: FastifyRequest, secure: boolean, reply: FastifyReply): string {
      const existing = request.cookies[PRE_SESSION_COOKIE]
      if (existing && existing.length >= 20 && existing.length <= 100) return existing
      const value = randomBytes(24).toString('base64url')
      reply.setCookie(PRE_SESSION_COOKIE, value, cookie(secure, 3600))
      return value
    },

    /** The pre-session cookie the sign-in form's token is bound to. */
    preSessionOf(request: FastifyRequest): string | undefined {
      return request.cookies[PRE_SESSION_COOKIE]
    },

    csrfFor(binding: string): string {
      return csrfToken(deps.key, 'console', 'form', binding)
    },

    isValidCsrf(binding: string | undefined, token: unknown): boolean {
      return isValidCsrf(deps.key, 'console', 'form', binding, token)
    },

    /**
     * The failed sign-ins budget of a client. IPv6 counts per /56 (one customer's delegation: an attacker
     * holds thousands of addresses there); IPv4 per address, since many operators share one office NAT.
     */
    signInBucket(ip: string): Bucket {
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1]
      const key = mapped ?? (isIPv6(ip) ? (ipRangeOf(ip) ?? ip) : ip)
      return { name: 'console_sign_in_failures_per_ip', key, ...SIGN_IN_FAILURES_PER_IP }
    },
  }
}
