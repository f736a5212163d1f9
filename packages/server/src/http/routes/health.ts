import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Redis } from 'ioredis'
import type { SigningKeyRing } from '../../core/signing-key-ring.js'
import { AppError } from '../../errors/app-error.js'
import type { Store } from '../../storage/store.js'
import type { StorageOutage } from '../storage-outage.js'

export function healthRoutes(deps: {
  store: Store
  /** Write failures for lack of storage that requests met: readiness fails until a probe write succeeds. */
  storageOutage: StorageOutage
  keyRing: SigningKeyRing
  redis?: Redis | undefined
  redisFailure?: 'reject' | 'local'
}): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.get(
      '/healthz',
      {
        schema: {
          tags: ['operations'],
          summary: 'Liveness: the process answers',
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    )

    server.get(
      '/readyz',
      {
        schema: {
          tags: ['operations'],
          summary: 'Readiness: the database answers and, after a write failed for lack of storage, takes writes again',
          response: {
            200: Type.Object({
              status: Type.Literal('ready'),
              checks: Type.Object({
                database: Type.Literal('ok'),
                redis: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('degraded')])),
              }),
            }),
            503: Type.Ref('Error'),
          },
        },
      },
      async (request) => {
        try {
          await deps.store.ping()
        } catch (error) {
          request.log.error({ err: error }, 'readiness: database check failed')
          throw new AppError('service_unavailable', {
            message: 'The database is not answering.',
            details: { failing: 'database' },
          })
        }
        // A full disk still answers `select 1`: once a request's write failed for lack of storage, a probe
        // write decides, until one succeeds.
        const writes = await deps.storageOutage.check()
        if (!writes.writable) {
          if (writes.error !== undefined)
            request.log.error({ err: writes.error }, 'readiness: database takes no writes')
          throw new AppError('service_unavailable', {
            message: 'The database cannot store data (disk full, read-only or failing storage).',
            details: { failing: 'database' },
          })
        }
        if (writes.recovered) request.log.info('readiness: database takes writes again')
        if (deps.redis) {
          try {
            await deps.redis.ping()
          } catch (error) {
            request.log.error({ err: error }, 'readiness: redis check failed')
            // With TESSERA_REDIS_FAILURE=local the instance still serves (limits per instance): ready, but degraded.
            if (deps.redisFailure === 'local') {
              return { status: 'ready' as const, checks: { database: 'ok' as const, redis: 'degraded' as const } }
            }
            throw new AppError('service_unavailable', {
              message: 'Redis is not answering.',
              details: { failing: 'redis' },
            })
          }
          return { status: 'ready' as const, checks: { database: 'ok' as const, redis: 'ok' as const } }
        }
        return { status: 'ready' as const, checks: { database: 'ok' as const } }
      },
    )

    server.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags: ['tokens'],
          summary: 'Public keys to check verification tokens offline (EdDSA, Ed25519)',
          response: {
            200: Type.Object({
              keys: Type.Array(
                Type.Object({
                  kty: Type.String(),
                  crv: Type.String(),
                  x: Type.String(),
                  kid: Type.String(),
                  alg: Type.String(),
                  use: Type.String(),
                }),
              ),
            }),
          },
        },
      },
      async (_request, reply) => {
        // Short cache: rotation publishes a new key well before it signs on other instances.
        void reply.header('cache-control', 'public, max-age=300')
        // Re-reads the published keys (one small query, shared by concurrent requests): a key revoked on any
        // instance is gone from this answer at once, and one created by a rotation anywhere is in it.
        return deps.keyRing.currentJwks()
      },
    )
  }
}
