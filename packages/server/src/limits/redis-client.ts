import { createRequire } from 'node:module'
import type { Redis as RedisClient } from 'ioredis'
import type { Logger } from 'pino'

// Required here, not imported: in the one-file build (bin/load-cli.js) a static import of a package left
// out of the build is hoisted to the file's top, and ioredis would load at every start, without Redis too.
// This module itself is imported only when REDIS_URL is set (app.ts).
const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis')

/**
 * One ioredis client per process. Commands fail fast while Redis is away
 * (no offline queue, one retry), so a request answers a clear 503 instead of
 * waiting; the client reconnects by itself. Errors are logged once per
 * incident, not once per failed command.
 *
 * Not auto-pipelining: each batch it makes is an ioredis Pipeline object (whose constructor gives every
 * instance its own accessor, so no two share a hidden class), and with it ~8 kB a start went to the old
 * generation, whose collections then landed in the open loop's windows (docs/decisions.md). The takes of a
 * turn of the event loop still leave in one write: the limiter corks the socket until its check phase
 * (limits/flexible-rate-limiter.ts).
 */
export function createRedisClient(url: string, logger: Logger): RedisClient {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  })
  let down = false
  redis.on('error', (error: Error) => {
    if (down) return
    down = true
    logger.error({ err: error }, 'redis unavailable: rate limits answer 503 until it is back')
  })
  redis.on('ready', () => {
    if (down) logger.info('redis is back')
    down = false
  })
  return redis
}
