import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import type { Bucket, RateLimiter } from '../../src/core/rate-limiter.js'

/**
 * The RateLimiter contract, run against every backend (memory, Redis). Every
 * bucket name carries a random run id, so runs sharing one Redis never meet.
 */
export function rateLimiterContract(getLimiter: () => RateLimiter): void {
  const run = randomBytes(5).toString('hex')
  let serial = 0
  /** A bucket of its own: a fresh name and key for every call. */
  const fresh = (max: number, windowSeconds = 60, name = `t${run}_${serial++}`): Bucket => ({
    name,
    key: `app_${run}:subject`,
    max,
    windowSeconds,
  })
  const counts = (limiter: RateLimiter, buckets: Bucket[]) => Promise.all(buckets.map((b) => limiter.count(b)))

  it('counts nothing for a bucket never taken from', async () => {
    const limiter = getLimiter()
    const bucket = fresh(3)
    expect(await limiter.count(bucket)).toBe(0)
    expect(await limiter.isFull(bucket)).toEqual({ ok: true })
  })

  it('admits up to max, then refuses with the bucket name, max and a retry_after within the window', async () => {
    const limiter = getLimiter()
    const bucket = fresh(3, 600)
    for (let i = 1; i <= 3; i++) {
      expect(await limiter.take([bucket])).toEqual({ ok: true })
      expect(await limiter.count(bucket)).toBe(i)
    }
    const refused = await limiter.take([bucket])
    expect(refused).toMatchObject({ ok: false, name: bucket.name, max: 3 })
    if (refused.ok) throw new Error('unreachable')
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(600)
    expect(Number.isInteger(refused.retryAfterSeconds)).toBe(true)
  })

  it('does not count a refused take: the counter stays at max however often it is refused', async () => {
    const limiter = getLimiter()
    const bucket = fresh(2)
    await limiter.take([bucket])
    await limiter.take([bucket])
    for (let i = 0; i < 5; i++) expect((await limiter.take([bucket])).ok).toBe(false)
    expect(await limiter.count(bucket)).toBe(2)
    // One refund frees exactly one place, even after many refusals.
    await limiter.refund([bucket])
    expect((await limiter.take([bucket])).ok).toBe(true)
    expect((await limiter.take([bucket])).ok).toBe(false)
  })

  it('is all-or-nothing: a refused multi-bucket take leaves every counter unchanged', async () => {
    const limiter = getLimiter()
    const before = fresh(10)
    const full = fresh(1)
    const after = fresh(10)
    await limiter.take([before])
    await limiter.take([full])
    const snapshot = await counts(limiter, [before, full, after])
    expect(snapshot).toEqual([1, 1, 0])

    const refused = await limiter.take([before, full, after])
    expect(refused).toMatchObject({ ok: false, name: full.name })
    expect(await counts(limiter, [before, full, after])).toEqual(snapshot)

    // The refusing bucket first or last: still nothing moves.
    expect((await limiter.take([full, before, after])).ok).toBe(false)
    expect((await limiter.take([after, before, full])).ok).toBe(false)
    expect(await counts(limiter, [before, full, after])).toEqual(snapshot)
  })

  it('names the first full bucket when several are full', async () => {
    const limiter = getLimiter()
    const a = fresh(1)
    const b = fresh(1)
    await limiter.take([a, b])
    expect(await limiter.take([b, a])).toMatchObject({ ok: false, name: b.name })
    expect(await counts(limiter, [a, b])).toEqual([1, 1])
  })

  it('takes one point from every bucket of an admitted take', async () => {
    const limiter = getLimiter()
    const buckets = [fresh(5), fresh(5), fresh(5)]
    expect(await limiter.take(buckets)).toEqual({ ok: true })
    expect(await limiter.take(buckets)).toEqual({ ok: true })
    expect(await counts(limiter, buckets)).toEqual([2, 2, 2])
  })

  it('refund gives one point back to every bucket named', async () => {
    const limiter = getLimiter()
    const a = fresh(2)
    const b = fresh(2)
    await limiter.take([a, b])
    await limiter.take([a, b])
    expect((await limiter.take([a])).ok).toBe(false)
    await limiter.refund([a, b])
    expect(await counts(limiter, [a, b])).toEqual([1, 1])
    expect(await limiter.take([a, b])).toEqual({ ok: true })
    expect((await limiter.take([a])).ok).toBe(false)
  })

  it('isFull reports a full bucket without taking from it', async () => {
    const limiter = getLimiter()
    const bucket = fresh(2, 300)
    await limiter.take([bucket])
    expect(await limiter.isFull(bucket)).toEqual({ ok: true })
    expect(await limiter.count(bucket)).toBe(1)
    await limiter.take([bucket])
    const full = await limiter.isFull(bucket)
    expect(full).toMatchObject({ ok: false, name: bucket.name, max: 2 })
    if (full.ok) throw new Error('unreachable')
    expect(full.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(full.retryAfterSeconds).toBeLessThanOrEqual(300)
    expect(await limiter.isFull(bucket)).toMatchObject({ ok: false })
    expect(await limiter.count(bucket)).toBe(2)
  })

  it('keeps keys, names and windows apart', async () => {
    const limiter = getLimiter()
    const bucket = fresh(1)
    await limiter.take([bucket])
    expect((await limiter.take([bucket])).ok).toBe(false)
    expect((await limiter.take([{ ...bucket, key: `${bucket.key}-other` }])).ok).toBe(true)
    expect((await limiter.take([{ ...bucket, name: `${bucket.name}x` }])).ok).toBe(true)
    expect((await limiter.take([{ ...bucket, windowSeconds: bucket.windowSeconds + 1 }])).ok).toBe(true)
    expect(await limiter.count(bucket)).toBe(1)
  })

  it('applies a changed max to the same counter at once', async () => {
    const limiter = getLimiter()
    const generous = fresh(5)
    for (let i = 0; i < 3; i++) await limiter.take([generous])
    const strict = { ...generous, max: 2 }
    expect(await limiter.count(strict)).toBe(3)
    expect(await limiter.isFull(strict)).toMatchObject({ ok: false, max: 2 })
    expect(await limiter.take([strict])).toMatchObject({ ok: false, max: 2 })
    const raised = { ...generous, max: 4 }
    expect(await limiter.take([raised])).toEqual({ ok: true })
    expect((await limiter.take([raised])).ok).toBe(false)
    expect(await limiter.count(generous)).toBe(4)
  })

  it('admits exactly max of many parallel takes and leaves the other buckets as if the refused never came', async () => {
    const limiter = getLimiter()
    const tight = fresh(3)
    const loose = fresh(100)
    const results = await Promise.all(Array.from({ length: 25 }, () => limiter.take([loose, tight])))
    expect(results.filter((r) => r.ok)).toHaveLength(3)
    expect(await counts(limiter, [loose, tight])).toEqual([3, 3])
  })

  it('opens again when a real one-second window has passed', async () => {
    const limiter = getLimiter()
    const bucket = fresh(1, 1)
    expect(await limiter.take([bucket])).toEqual({ ok: true })
    const refused = await limiter.take([bucket])
    expect(refused).toMatchObject({ ok: false, retryAfterSeconds: 1 })
    expect(await limiter.isFull(bucket)).toMatchObject({ ok: false })
    await sleep(1150)
    expect(await limiter.count(bucket)).toBe(0)
    expect(await limiter.isFull(bucket)).toEqual({ ok: true })
    expect(await limiter.take([bucket])).toEqual({ ok: true })
    expect((await limiter.take([bucket])).ok).toBe(false)
  })
}
