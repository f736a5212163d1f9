import { createHash, randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import type { Clock } from '../../core/clock.js'
import { AppError } from '../../errors/app-error.js'
import type { Store } from '../../storage/store.js'
import { appOf } from './auth.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours an Idempotency-Key header (see http/plugins/idempotency.ts). */
    idempotent?: boolean
  }
  interface FastifyRequest {
    /** The Idempotency-Key claim this request holds until its answer is recorded. */
    idempotencyClaim: IdempotencyClaim | null
  }
}

interface IdempotencyClaim {
  readonly appId: string
  readonly key: string
  readonly claimId: string
}

export interface IdempotencyDeps {
  readonly store: Store
  readonly clock: Clock
  /** Seals a recorded answer at rest (a bind answers an authenticator secret or backup codes once). */
  readonly seal: (plaintext: string) => string
  readonly unseal: (sealed: string) => string
}

/** How long a key keeps its answer (and refuses another request). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000
/**
 * How long an unanswered claim holds. Past it, the request that made it is taken to be lost with its process,
 * and the same request may run again; far longer than any answer takes (a provider chain times out in seconds).
 */
const CLAIM_LOCK_MS = 5 * 60 * 1000
/** 1–255 printable ASCII characters. */
const KEY_PATTERN = '^[\\x20-\\x7E]{1,255}$'
const KEY_REGEX = new RegExp(KEY_PATTERN)

const IdempotencyKeyHeader = {
  type: 'string',
  pattern: KEY_PATTERN,
  description:
    'Makes the request safe to retry: the same key with the same body, from the same app, within 24 hours answers the first answer again (with Idempotent-Replayed: true) and does nothing.',
}

/**
 * Idempotency-Key for the app-key routes whose config says `idempotent: true`: starts, resends, sessions,
 * binds, challenges. A request with a key first claims it with one conditional INSERT (so of parallel requests on
 * any number of instances only one runs), and its answer is recorded for replay. Answers worth retrying (429, 5xx)
 * are not recorded: the key is given back so a retry runs the request again. Call in the app-key scope, before
 * its routes are registered.
 */
export function registerIdempotency(scope: FastifyInstance, deps: IdempotencyDeps): void {
  scope.decorateRequest('idempotencyClaim', null)
  const preHandler = claimOrReplay(deps)
  const onSend = recordAnswer(deps)
  scope.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.idempotent !== true) return
    // built once, not per request: a spread here costs nothing (docs/decisions.md)
    route.schema = { ...route.schema, headers: withKeyHeader(route.schema?.headers) }
    route.preHandler = [...asArray(route.preHandler), preHandler]
    route.onSend = [...asArray(route.onSend), onSend]
  })
}

function claimOrReplay(deps: IdempotencyDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const key = request.headers['idempotency-key']
    if (key === undefined) return undefined
    // The header schema checks it too; a repeated header arrives as an array or a joined list.
    if (typeof key !== 'string' || !KEY_REGEX.test(key)) {
      throw new AppError('invalid_request', { message: 'Idempotency-Key must be 1–255 printable ASCII characters.' })
    }
    const app = appOf(request)
    const requestHash = fingerprint(request)
    // Two tries: a claim can lose to a request that then gives the key back (a 429) before we read its row.
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = deps.clock.nowMs()
      const claimId = randomUUID()
      const won = await deps.store.idempotencyKeys.claim({
        appId: app.id,
        idempotencyKey: key,
        requestHash,
        claimId,
        now,
        lockedUntil: now + CLAIM_LOCK_MS,
        expiresAt: now + IDEMPOTENCY_KEY_TTL_MS,
      })
      if (won) {
        request.idempotencyClaim = { appId: app.id, key, claimId }
        return undefined
      }
      const row = await deps.store.idempotencyKeys.find(app.id, key)
      if (!row) continue
      if (row.requestHash !== requestHash) throw new AppError('idempotency_key_reused')
      if (row.responseStatus === null || row.responseBody === null) {
        throw new AppError('request_in_progress', { details: { retry_after: 1 }, headers: { 'retry-after': '1' } })
      }
      return reply
        .code(row.responseStatus)
        .header('idempotent-replayed', 'true')
        .type('application/json; charset=utf-8')
        .send(deps.unseal(row.responseBody))
    }
    throw new AppError('request_in_progress', { details: { retry_after: 1 }, headers: { 'retry-after': '1' } })
  }
}

function recordAnswer(deps: IdempotencyDeps) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const claim = request.idempotencyClaim
    if (!claim) return payload
    request.idempotencyClaim = null
    const status = reply.statusCode
    try {
      if (status === 429 || status >= 500 || typeof payload !== 'string') {
        await deps.store.idempotencyKeys.release(claim.appId, claim.key, claim.claimId)
      } else {
        await deps.store.idempotencyKeys.complete(claim.appId, claim.key, claim.claimId, status, deps.seal(payload))
      }
    } catch (error) {
      // The answer still goes out; the unanswered claim lapses after CLAIM_LOCK_MS and a retry then runs again.
      request.log.error({ err: error }, 'could not record the answer of an Idempotency-Key')
    }
    return payload
  }
}

/**
 * What "the same request" means: method, route, path parameters and the body as canonical JSON (key order and
 * spacing do not count, values do).
 */
function fingerprint(request: FastifyRequest): string {
  const canonical = JSON.stringify([
    request.method,
    request.routeOptions.url ?? request.url,
    sortKeys(request.params),
    sortKeys(request.body ?? {}),
  ])
  return createHash('sha256').update(canonical).digest('base64url')
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (typeof value !== 'object' || value === null) return value
  const sorted: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key])
  return sorted
}

type HeaderSchema = { properties?: Record<string, unknown> } & Record<string | symbol, unknown>

function withKeyHeader(headers: unknown): HeaderSchema {
  const existing = (headers ?? { type: 'object' }) as HeaderSchema
  // built once, not per request: a spread here costs nothing (docs/decisions.md)
  return { ...existing, properties: { ...existing.properties, 'idempotency-key': IdempotencyKeyHeader } }
}

function asArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? [...value] : [value as T]
}
