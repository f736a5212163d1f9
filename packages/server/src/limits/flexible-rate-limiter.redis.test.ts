import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCaptureProvider } from '../../test/helpers/capture-provider.js'
import { TEST_ADMIN_KEY, TEST_SECRET } from '../../test/helpers/create-test-app.js'
import { rateLimiterContract } from '../../test/helpers/rate-limiter-contract.js'
import { createTessera, type Tessera } from '../app.js'
import { loadConfig } from '../config/load-config.js'
import type { LimitDecision, RateLimiter } from '../core/rate-limiter.js'
import { AppError } from '../errors/app-error.js'
import { createFlexibleRateLimiter } from './flexible-rate-limiter.js'
import { createRedisClient } from './redis-client.js'

const redisUrl = process.env.TEST_REDIS_URL
if (!redisUrl) {
  process.stderr.write('TEST_REDIS_URL is not set: the Redis rate-limiter tests are skipped (CI always sets it).\n')
}
const silent = pino({ level: 'silent' })
const bucket = (name: string) => ({ name, key: `app_${randomBytes(4).toString('hex')}:x`, max: 5, windowSeconds: 60 })

/** Deletes every key this run created (they all carry the run's random part). */
async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  const keys = await redis.keys(pattern)
  if (keys.length > 0) await redis.del(...keys)
}

describe.skipIf(!redisUrl)('the Redis rate limiter (TEST_REDIS_URL)', () => {
  let redis: Redis
  let limiter: RateLimiter
  beforeAll(async () => {
    redis = createRedisClient(redisUrl ?? '', silent)
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve())
      redis.once('error', reject)
    })
    limiter = createFlexibleRateLimiter({ redis })
  })
  afterAll(async () => {
    // Contract buckets are named t<run>_<n>; their keys live under tessera:<name>:<window>.
    await deleteKeys(redis, 'tessera:t*_*')
    redis.disconnect()
  })

  rateLimiterContract(() => limiter)

  it('shares counters between limiter instances on one Redis (stateless instances)', async () => {
    const other = createFlexibleRateLimiter({ redis })
    const shared = { ...bucket(`t${randomBytes(5).toString('hex')}_shared`), max: 2 }
    expect(await limiter.take([shared])).toEqual({ ok: true })
    expect(await other.take([shared])).toEqual({ ok: true })
    expect((await limiter.take([shared])).ok).toBe(false)
    expect((await other.take([shared])).ok).toBe(false)
    expect(await other.count(shared)).toBe(2)
  })

  /** Counts the writes to the kernel that Redis' socket makes while `run` runs (Node's own socket methods). */
  async function countWrites(run: (writes: () => number) => Promise<void>): Promise<void> {
    const socket = redis.stream as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>
    let writes = 0
    const originals = { _write: socket._write, _writev: socket._writev }
    for (const name of ['_write', '_writev'] as const) {
      socket[name] = function counted(this: unknown, ...args: unknown[]) {
        writes++
        return originals[name].apply(this, args)
      }
    }
    try {
      await run(() => writes)
    } finally {
      Object.assign(socket, originals)
    }
  }

  it("sends a take's buckets, and a refund's, in one socket write", async () => {
    const run = randomBytes(5).toString('hex')
    const buckets = [1, 2, 3].map((n) => bucket(`t${run}_write${n}`))
    await limiter.take(buckets) // the first use loads the counting script; what follows is the steady state
    await countWrites(async (writes) => {
      expect(await limiter.take(buckets)).toEqual({ ok: true })
      expect(writes()).toBe(1)
      await limiter.refund(buckets)
      expect(writes()).toBe(2)
    })
    expect(await limiter.count(buckets[0] as (typeof buckets)[number])).toBe(1)
  })

  it('sends the takes that requests start in one turn of the event loop in one socket write', async () => {
    const run = randomBytes(5).toString('hex')
    const first = [1, 2].map((n) => bucket(`t${run}_turn${n}`))
    const second = [bucket(`t${run}_turn3`)]
    await limiter.take(first)
    await countWrites(async (writes) => {
      // Two callbacks of one timers phase, as two requests' data in one poll phase: Node runs the next tick
      // queue between them, so a socket uncorked on the next tick would write twice.
      const takes = await new Promise<Promise<LimitDecision>[]>((resolve) => {
        const started: Promise<LimitDecision>[] = []
        const start = (buckets: typeof first) => () => {
          started.push(limiter.take(buckets))
          if (started.length === 2) resolve(started)
        }
        setTimeout(start(first), 0)
        setTimeout(start(second), 0)
      })
      expect(await Promise.all(takes)).toEqual([{ ok: true }, { ok: true }])
      expect(writes()).toBe(1)
    })
    expect(await limiter.count(first[0] as (typeof first)[number])).toBe(2)
    expect(await limiter.count(second[0] as (typeof second)[number])).toBe(1)
  })

  it('stores each counter with a TTL of its window, so nothing outlives it', async () => {
    const name = `t${randomBytes(5).toString('hex')}_ttl`
    const b = { ...bucket(name), windowSeconds: 90 }
    await limiter.take([b])
    const keys = await redis.keys(`tessera:${name}:*`)
    expect(keys).toHaveLength(1)
    const ttl = await redis.ttl(keys[0] ?? '')
    expect(ttl).toBeGreaterThan(80)
    expect(ttl).toBeLessThanOrEqual(90)
  })

  it('answers 503 when the client loses Redis mid-life, and never a silent pass', async () => {
    const own = createRedisClient(redisUrl ?? '', silent)
    await new Promise<void>((resolve) => own.once('ready', () => resolve()))
    const ownLimiter = createFlexibleRateLimiter({ redis: own })
    const b = bucket(`t${randomBytes(5).toString('hex')}_lost`)
    expect(await ownLimiter.take([b])).toEqual({ ok: true })
    own.disconnect()
    await expect(ownLimiter.take([b])).rejects.toMatchObject({ code: 'service_unavailable', status: 503 })
  })

  describe('two Tessera instances on one database and one Redis', () => {
    let dir: string
    const instances: Tessera[] = []
    const capture = createCaptureProvider()
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-redis-'))
      for (let i = 0; i < 2; i++) {
        instances.push(
          await createTessera({
            config: loadConfig({
              NODE_ENV: 'test',
              DATABASE_URL: `sqlite:${join(dir, 'shared.db')}`,
              TESSERA_DATA_DIR: dir,
              TESSERA_PUBLIC_URL: 'http://tessera.test',
              REDIS_URL: redisUrl ?? '',
            }),
            secret: TEST_SECRET,
            adminKey: TEST_ADMIN_KEY,
            logger: silent,
            extraProviders: [capture.provider],
            deliveryRoutes: { sms: [{ type: 'capture' }], email: [{ type: 'capture' }] },
          }),
        )
      }
    })
    afterAll(async () => {
      for (const instance of instances) await instance.close()
    })

    it('share one send budget: a limit reached through one instance holds on the other', async () => {
      const [a, b] = instances as [Tessera, Tessera]
      const created = await a.server.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
        payload: { name: 'Shared', settings: { limits: { sends_per_identifier: { max: 2, window_seconds: 600 } } } },
      })
      expect(created.statusCode).toBe(201)
      const appId = created.json().app_id as string
      const keyRes = await a.server.inject({
        method: 'POST',
        url: `/admin/v1/apps/${appId}/keys`,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
        payload: {},
      })
      const { key, key_id: keyId } = keyRes.json() as { key: string; key_id: string }
      const send = (instance: Tessera) =>
        instance.server.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers: { authorization: `Bearer ${key}` },
          payload: { channel: 'email', to: 'shared@example.com' },
        })
      try {
        expect((await send(a)).statusCode).toBe(201)
        expect((await send(b)).statusCode).toBe(201)
        const refusedOnA = await send(a)
        const refusedOnB = await send(b)
        expect(refusedOnA.statusCode).toBe(429)
        expect(refusedOnB.statusCode).toBe(429)
        expect(refusedOnB.json()).toMatchObject({ error: 'rate_limited', limit: 'sends_per_identifier' })
        expect(capture.messages.filter((m) => m.to === 'shared@example.com')).toHaveLength(2)
      } finally {
        const cleanup = new Redis(redisUrl ?? '')
        await deleteKeys(cleanup, `tessera:*${appId}*`)
        await deleteKeys(cleanup, `tessera:*${keyId}*`)
        cleanup.disconnect()
      }
    })
  })
})

describe('the Redis rate limiter with Redis unreachable', () => {
  let redis: Redis
  let limiter: RateLimiter
  beforeAll(() => {
    // Nothing listens on port 1: the client never becomes ready.
    redis = createRedisClient('redis://127.0.0.1:1', silent)
    limiter = createFlexibleRateLimiter({ redis })
  })
  afterAll(() => {
    redis.disconnect()
  })

  it('take throws a clear 503 service_unavailable instead of passing', async () => {
    const error = await limiter.take([bucket('down')]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect(error).toMatchObject({ code: 'service_unavailable', status: 503, number: 5003 })
    expect((error as AppError).toBody()).toMatchObject({ error: 'service_unavailable', error_code: 5003 })
  })

  it('isFull, count and refund fail the same way', async () => {
    await expect(limiter.isFull(bucket('down'))).rejects.toMatchObject({ code: 'service_unavailable' })
    await expect(limiter.count(bucket('down'))).rejects.toMatchObject({ code: 'service_unavailable' })
    await expect(limiter.refund([bucket('down')])).rejects.toMatchObject({ code: 'service_unavailable' })
  })

  it('answers fast: no offline queue waits for the connection', async () => {
    const started = performance.now()
    await limiter.take([bucket('down')]).catch(() => undefined)
    expect(performance.now() - started).toBeLessThan(500)
  })

  it('makes the API answer 503 in the contract shape and send nothing', async () => {
    const capture = createCaptureProvider()
    const dir = mkdtempSync(join(tmpdir(), 'tessera-redis-down-'))
    const tessera = await createTessera({
      config: loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: ':memory:',
        TESSERA_DATA_DIR: dir,
        TESSERA_PUBLIC_URL: 'http://tessera.test',
        REDIS_URL: 'redis://127.0.0.1:1',
      }),
      secret: TEST_SECRET,
      adminKey: TEST_ADMIN_KEY,
      logger: silent,
      extraProviders: [capture.provider],
      deliveryRoutes: { sms: [{ type: 'capture' }], email: [{ type: 'capture' }] },
    })
    try {
      const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` }
      const app = await tessera.server.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: admin,
        payload: { name: 'Down' },
      })
      const appId = app.json().app_id as string
      const key = (
        await tessera.server.inject({
          method: 'POST',
          url: `/admin/v1/apps/${appId}/keys`,
          headers: admin,
          payload: {},
        })
      ).json().key as string
      const res = await tessera.server.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: `Bearer ${key}` },
        payload: { channel: 'email', to: 'ada@example.com' },
      })
      expect(res.statusCode).toBe(503)
      expect(res.json()).toMatchObject({ error: 'service_unavailable', error_code: 5003 })
      expect(typeof res.json().error_description).toBe('string')
      expect(capture.messages).toHaveLength(0)
      const list = await tessera.server.inject({
        method: 'GET',
        url: `/admin/v1/apps/${appId}/verifications`,
        headers: admin,
      })
      expect(list.json().verifications).toHaveLength(0)
      const ready = await tessera.server.inject({ method: 'GET', url: '/readyz' })
      expect(ready.statusCode).toBe(503)
    } finally {
      await tessera.close()
    }
  })
})
