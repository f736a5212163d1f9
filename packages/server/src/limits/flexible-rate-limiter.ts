import type { Redis } from 'ioredis'
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterRes,
} from 'rate-limiter-flexible'
import type { Bucket, LimitDecision, RateLimiter } from '../core/rate-limiter.js'
import { AppError } from '../errors/app-error.js'

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
  /** `local`: while Redis is away, count in this process's memory instead of answering 503. */
  onRedisFailure?: 'reject' | 'local'
}): RateLimiter {
  const limiters = new Map<string, RateLimiterAbstract>()

  function limiterFor(bucket: Bucket): RateLimiterAbstract {
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
        ? new RateLimiterRedis({
            ...common,
            storeClient: options.redis,
            rejectIfRedisNotReady: true,
            ...(options.onRedisFailure === 'local' ? { insuranceLimiter: new RateLimiterMemory(common) } : {}),
          })
        : new RateLimiterMemory(common)
      limiters.set(id, limiter)
    }
    return limiter
  }

  /** A store error (Redis down) is not a verdict: the request fails closed, clearly. */
  function unavailable(error: unknown): never {
    throw new AppError('service_unavailable', {
      message: 'The rate-limit store is not answering; retry later.',
      details: { failing: 'redis' },
      cause: error,
    })
  }

  function refusal(bucket: Bucket, res: RateLimiterRes): LimitDecision {
    return {
      ok: false,
      name: bucket.name,
      max: bucket.max,
      retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    }
  }

  async function refund(buckets: readonly Bucket[]): Promise<void> {
    for (const bucket of buckets) {
      try {
        await limiterFor(bucket).reward(bucket.key, 1)
      } catch (error) {
        unavailable(error)
      }
    }
  }

  return {
    async take(buckets) {
      const taken: Bucket[] = []
      for (const bucket of buckets) {
        let res: RateLimiterRes
        try {
          res = await limiterFor(bucket).consume(bucket.key, 1)
        } catch (error) {
          await refund(taken)
          unavailable(error)
        }
        if (res.consumedPoints > bucket.max) {
          // consume counted the refused point too: give back this one and every earlier one.
          await refund([...taken, bucket])
          return refusal(bucket, res)
        }
        taken.push(bucket)
      }
      return { ok: true }
    },
    refund,
    async isFull(bucket) {
      let res: RateLimiterRes | null
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
