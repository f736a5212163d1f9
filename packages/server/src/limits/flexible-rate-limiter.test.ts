import { describe, expect, it } from 'vitest'
import { rateLimiterContract } from '../../test/helpers/rate-limiter-contract.js'
import { createFlexibleRateLimiter } from './flexible-rate-limiter.js'

describe('the in-memory rate limiter', () => {
  rateLimiterContract(() => createFlexibleRateLimiter({}))

  it('keeps the counters of two limiter instances apart (one process each)', async () => {
    const a = createFlexibleRateLimiter({})
    const b = createFlexibleRateLimiter({})
    const bucket = { name: 'sends_per_identifier', key: 'app_1:ada@example.com', max: 1, windowSeconds: 60 }
    expect(await a.take([bucket])).toEqual({ ok: true })
    expect((await a.take([bucket])).ok).toBe(false)
    expect(await b.take([bucket])).toEqual({ ok: true })
  })

  it('takes nothing for an empty list of buckets', async () => {
    const limiter = createFlexibleRateLimiter({})
    expect(await limiter.take([])).toEqual({ ok: true })
    await expect(limiter.refund([])).resolves.toBeUndefined()
  })
})
