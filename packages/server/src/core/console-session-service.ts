import { randomBytes } from 'node:crypto'
import { generateId, hmacBase64Url } from '../crypto/secrets.js'
import type { ConsoleSessionRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import { maskClientIp, summarizeUserAgent } from './client-summary.js'
import type { Clock } from './clock.js'
import type { EventLog } from './event-log.js'

/** How long a console sign-in lasts, whatever the activity. */
export const CONSOLE_SESSION_SECONDS = 8 * 3600
/** Last-seen is written at most this often per session. */
const TOUCH_INTERVAL_MS = 60 * 1000
/** Ended sessions stay listed in the table this long, then a sign-in deletes them. */
const ENDED_RETENTION_MS = 24 * 3600 * 1000
const LIST_LIMIT = 200

/** A session as the console lists it. */
export interface ConsoleSession {
  readonly id: string
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly expiresAt: number
  readonly clientIpMasked: string | null
  readonly userAgentSummary: string | null
}

export interface ConsoleSessionService {
  /** A new session; `secret` goes into the cookie and is stored nowhere. */
  start(client: { ip?: string | undefined; userAgent?: string | undefined }): Promise<{
    secret: string
    session: ConsoleSession
  }>
  /**
   * The session a cookie's secret opens, read from the database on every call: a revocation or expiry on any
   * instance refuses it at once. Undefined when unknown, revoked or expired.
   */
  authenticate(secret: string | undefined): Promise<ConsoleSession | undefined>
  /** Active sessions, newest first. */
  list(): Promise<ConsoleSession[]>
  /** True when this call revoked an active session. */
  revoke(id: string): Promise<boolean>
  /** Sign out everywhere: revokes every active session; answers how many. */
  revokeAll(): Promise<number>
}

const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * Console sessions stored server-side. The cookie holds 256 random bits; the
 * table holds only their HMAC under `key` (derived from the admin key, so a
 * new admin key still signs everyone out, and a database reader cannot turn a
 * row into a cookie). Every console request reads its row, so a revoked or
 * expired session is refused at once on every instance; the console is an
 * operator tool, and one indexed read per page costs nothing that matters.
 */
export function createConsoleSessionService(deps: {
  store: Store
  clock: Clock
  key: Buffer
  events: Pick<EventLog, 'record'>
}): ConsoleSessionService {
  const hash = (secret: string) => hmacBase64Url(deps.key, `console-session:${secret}`)
  const view = (row: ConsoleSessionRow): ConsoleSession => ({
    id: row.id,
    createdAt: Number(row.createdAt),
    lastSeenAt: Number(row.lastSeenAt),
    expiresAt: Number(row.expiresAt),
    clientIpMasked: row.clientIpMasked,
    userAgentSummary: row.userAgentSummary,
  })

  return {
    async start(client) {
      const now = deps.clock.nowMs()
      const secret = randomBytes(32).toString('base64url')
      const row: ConsoleSessionRow = {
        id: generateId('cs', 16, deps.clock.nowMs()),
        secretHash: hash(secret),
        createdAt: now,
        lastSeenAt: now,
        expiresAt: now + CONSOLE_SESSION_SECONDS * 1000,
        revokedAt: null,
        clientIpMasked: maskClientIp(client.ip),
        userAgentSummary: summarizeUserAgent(client.userAgent),
      }
      await deps.store.consoleSessions.insert(row)
      await deps.store.consoleSessions.deleteEndedBefore(now - ENDED_RETENTION_MS)
      await deps.events.record({
        appId: null,
        kind: 'console.signed_in',
        details: { session_id: row.id, client: row.clientIpMasked },
      })
      return { secret, session: view(row) }
    },
    async authenticate(secret) {
      if (secret === undefined || !SECRET_PATTERN.test(secret)) return undefined
      const row = await deps.store.consoleSessions.findBySecretHash(hash(secret))
      const now = deps.clock.nowMs()
      if (!row || row.revokedAt !== null || Number(row.expiresAt) <= now) return undefined
      if (Number(row.lastSeenAt) < now - TOUCH_INTERVAL_MS) {
        await deps.store.consoleSessions.touch(row.id, now, now - TOUCH_INTERVAL_MS)
        return { ...view(row), lastSeenAt: now }
      }
      return view(row)
    },
    async list() {
      return (await deps.store.consoleSessions.listActive(deps.clock.nowMs(), LIST_LIMIT)).map(view)
    },
    async revoke(id) {
      const revoked = await deps.store.consoleSessions.revoke(id, deps.clock.nowMs())
      if (revoked) {
        await deps.events.record({ appId: null, kind: 'console.session_revoked', details: { session_id: id } })
      }
      return revoked
    },
    async revokeAll() {
      const count = await deps.store.consoleSessions.revokeAll(deps.clock.nowMs())
      await deps.events.record({ appId: null, kind: 'console.session_revoked', details: { all: true, count } })
      return count
    },
  }
}
