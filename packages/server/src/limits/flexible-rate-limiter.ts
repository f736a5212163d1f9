import { setImmediate } from 'node:timers'
import type { Redis } from 'ioredis'
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'
import type { Bucket, LimitDecision, RateLimiter } from '../core/rate-limiter.js'
import { AppError } from '../errors/app-error.js'
import { type CounterState, MemoryCounters } from './memory-counters.js'

/** The three operations `take`, `refund` and `isFull` need, over Redis or process memory. */
interface Counter {
  consume(key: string): Promise<CounterState> | CounterState
  reward(key: string): Promise<unknown> | unknown
  get(key: string): Promise<CounterState | null> | CounterState | null
}

/** Points of every store-level limiter: never reached, so the store never refuses by itself. */
const UNLIMITED = 2 ** 31

/**
 * Limits on rate-limiter-flexible: in process memory on the embedded default
 * (one instance), in Redis when REDIS_URL is set (shared by all instances).
 * One limiter per (name, window): the counter lives under that prefix, and
 * each bucket's `max` is compared here, so a changed `max` applies to the
 * same counter at once (in memory too, where each limiter has its own store).
 */
export function createFlexibleRateLimiter(options: {
  redis?: Redis | undefined
  /** The time in-memory windows follow (Redis keeps its own): the app's clock, so tests move windows. */
  nowMs?: () => number
  /** `local`: while Redis is away, count in this process's memory instead of answering 503. */
  onRedisFailure?: 'reject' | 'local'
}): RateLimiter {
  const limiters = new Map<string, Counter>()

  function limiterFor(bucket: Bucket): Counter {
    const id = `${bucket.name}:${bucket.windowSeconds}`
    let limiter = limiters.get(id)
    if (!limiter) {
      const common = {
        keyPrefix: `tessera:${id}`,
        // The store only counts; the bucket's own max decides (see take), so one counter serves every max.
        points: UNLIMITED,
        duration: bucket.windowSeconds,
      }
      limiter = options.redis
        ? redisCounter(
            // built once, not per request: a spread here costs nothing (docs/decisions.md)
            new RateLimiterRedis({
              ...common,
              storeClient: options.redis,
              rejectIfRedisNotReady: true,
              ...(options.onRedisFailure === 'local' ? { insuranceLimiter: new RateLimiterMemory(common) } : {}),
            }),
          )
        : memoryCounter(new MemoryCounters(bucket.windowSeconds), options.nowMs ?? Date.now)
      limiters.set(id, limiter)
    }
    return limiter
  }

  /** The socket this limiter has corked until the end of the event loop's turn, if it has. */
  let corked: NonNullable<typeof options.redis>['stream'] | undefined

  /**
   * Runs `issue`, which sends all its Redis commands before it returns (one per bucket), with the socket
   * corked until the check phase of this turn of the event loop (`setImmediate`), as the SQLite group commit
   * is: the commands of every take and refund that requests start in the same turn leave in one write and one
   * round trip. A loopback write costs more CPU than the commands (see createRedisClient for why not ioredis'
   * auto-pipelining); uncorked on the next tick instead, each request's take was a write of its own, about one
   * write more per start on PostgreSQL + Redis (docs/benchmarks.md).
   */
  function inOneWrite<T>(issue: () => T): T {
    const stream = options.redis?.status === 'ready' ? options.redis.stream : undefined
    if (stream === undefined) return issue()
    if (corked !== stream) {
      corked = stream
      stream.cork()
      setImmediate(() => {
        if (corked === stream) corked = undefined
        stream.uncork()
      })
    }
    return issue()
  }

  /** A store error (Redis down) is not a verdict: the request fails closed, clearly. */
  function unavailable(error: unknown): never {
    throw new AppError('service_unavailable', {
      message: 'The rate-limit store is not answering; retry later.',
      details: { failing: 'redis' },
      cause: error,
    })
  }

  function refusal(bucket: Bucket, res: CounterState): LimitDecision {
    return {
      ok: false,
      name: bucket.name,
      max: bucket.max,
      retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    }
  }

  async function refund(buckets: readonly Bucket[]): Promise<void> {
    // All at once: over Redis the commands go out in one write and one round trip.
    const outcomes = await inOneWrite(() =>
      Promise.allSettled(buckets.map(async (bucket) => limiterFor(bucket).reward(bucket.key))),
    )
    for (const outcome of outcomes) if (outcome.status === 'rejected') unavailable(outcome.reason)
  }

  return {
    async take(buckets) {
      // Every bucket at once (one pipelined round trip over Redis, not one each); a refusal or a failure gives
      // back every point counted, the refused one included. Never looser than taking them in turn: no take is
      // admitted past any bucket's max. It can be stricter under contention: two takes racing for the last
      // places of two shared buckets may each win one and both be refused, and a refused take's points stand
      // in the other buckets until they are given back a moment later.
      const outcomes = await inOneWrite(() =>
        Promise.allSettled(buckets.map(async (bucket) => limiterFor(bucket).consume(bucket.key))),
      )
      const counted: Bucket[] = []
      let refused: LimitDecision | undefined
      let failure: { reason: unknown } | undefined
      outcomes.forEach((outcome, i) => {
        const bucket = buckets[i] as Bucket
        if (outcome.status === 'rejected') {
          failure ??= { reason: outcome.reason }
          return
        }
        counted.push(bucket)
        if (refused === undefined && outcome.value.consumedPoints > bucket.max) refused = refusal(bucket, outcome.value)
      })
      if (failure === undefined && refused === undefined) return { ok: true }
      await refund(counted)
      if (failure !== undefined) unavailable(failure.reason)
      return refused ?? { ok: true }
    },
    refund,
    async isFull(bucket) {
      let res: CounterState | null
      try {
        res = await limiterFor(bucket).get(bucket.key)
      } catch (error) {
        unavailable(error)
      }
      return res !== null && res.consumedPoints >= bucket.max ? refusal(bucket, res) : { ok: true }
    },
    async count(bucket) {
      try {
        return (await limiterFor(bucket).get(bucket.key))?.consumedPoints ?? 0
      } catch (error) {
        unavailable(error)
      }
    },
  }
}

function redisCounter(limiter: RateLimiterAbstract): Counter {
  return {
    consume: (key) => limiter.consume(key, 1),
    reward: (key) => limiter.reward(key, 1),
    get: (key) => limiter.get(key),
  }
}

/** Same counting as RateLimiterMemory (a refund may open a window at -1, as there), answered synchronously. */
function memoryCounter(counters: MemoryCounters, nowMs: () => number): Counter {
  return {
    consume: (key) => counters.add(key, 1, nowMs()),
    reward: (key) => counters.add(key, -1, nowMs()),
    get: (key) => counters.get(key, nowMs()),
  }
}
