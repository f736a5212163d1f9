import { getHeapStatistics } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { startIdleCollector, v8FullCollection } from './idle-collector.js'

const MB = 1024 * 1024

/**
 * A collector on a loop and a heap the test drives. Each look follows a second with `activeMs` of it busy. A
 * collection leaves `leftMb` unused (nothing by default).
 */
function driven(options: { readonly countRequests?: boolean } = {}) {
  const loop = { active: 0, idle: 0 }
  let served = 0
  let slack = 40 * MB
  let left = 0
  let youngSlack = 0
  let youngLeft = 0
  let collections = 0
  const collector = startIdleCollector({
    intervalMs: 3_600_000, // the test looks itself
    loop: () => ({ ...loop }),
    ...(options.countRequests ? { requests: () => served } : {}),
    heap: () => ({ slackBytes: slack, youngSlackBytes: youngSlack }),
    collect: () => {
      collections++
      slack = left
      youngSlack = youngLeft
    },
  })
  return {
    /** One look after a second `activeMs` busy, in which `requests` were answered. */
    look(activeMs: number, requests = 0): boolean {
      loop.active += activeMs
      loop.idle += 1000 - activeMs
      served += requests
      return collector.look()
    },
    looks(count: number, activeMs: number, requests = 0): boolean[] {
      return Array.from({ length: count }, () => this.look(activeMs, requests))
    },
    /** Memory held unused now, what the next collection leaves unused, and how much of that is the young generation's. */
    heap(slackMb: number, leftMb = 0, youngLeftMb = 0) {
      slack = slackMb * MB
      left = leftMb * MB
      youngLeft = youngLeftMb * MB
    },
    collections: () => collections,
    stop: () => collector.stop(),
  }
}

describe('the idle collector', () => {
  it('collects once, after six quiet seconds, what starting up left committed; never again while quiet', () => {
    const c = driven()
    expect(c.looks(5, 10)).toEqual([false, false, false, false, false])
    expect(c.look(10)).toBe(true)
    // Quiet with health checks and timers (1% busy): a minute of them adds up to less than a second of work.
    c.heap(40)
    expect(c.looks(60, 10).some(Boolean)).toBe(false)
    expect(c.collections()).toBe(1)
    c.stop()
  })

  it('never collects under load, even a light one, and counts quiet seconds from the last busy one', () => {
    const c = driven()
    // 5% of the loop busy is a load (a hundred-odd requests a second), not quiet.
    expect(c.looks(60, 50).some(Boolean)).toBe(false)
    expect(c.looks(5, 0)).toEqual([false, false, false, false, false])
    expect(c.look(40)).toBe(false)
    expect(c.looks(5, 0).some(Boolean)).toBe(false)
    expect(c.look(0)).toBe(true)
    c.stop()
  })

  it("told the requests, takes a second with a request or two for quiet though the server's own timers keep the loop 5% busy", () => {
    // A slow or shared machine: the idle server's sweeps and polls alone are 5% of the loop.
    const slow = driven({ countRequests: true })
    expect(slow.looks(5, 50, 1)).toEqual([false, false, false, false, false])
    expect(slow.look(50, 2)).toBe(true)
    slow.stop()
    // The same share with a load's requests is a load; so is a loop a fifth busy with none (a backlog worked off).
    const loaded = driven({ countRequests: true })
    expect(loaded.looks(60, 50, 100).some(Boolean)).toBe(false)
    expect(loaded.looks(60, 250, 0).some(Boolean)).toBe(false)
    expect(loaded.looks(5, 50, 0)).toEqual([false, false, false, false, false])
    expect(loaded.look(50, 3)).toBe(false)
    expect(loaded.looks(5, 50, 0).some(Boolean)).toBe(false)
    expect(loaded.look(50, 0)).toBe(true)
    loaded.stop()
    // Not told them, 5% busy is a load whatever the requests (the test above).
    const untold = driven()
    expect(untold.looks(60, 50, 0).some(Boolean)).toBe(false)
    untold.stop()
  })

  it('waits for a second of work since the last collection, and for 16 MB held unused', () => {
    const c = driven()
    c.looks(6, 0)
    expect(c.collections()).toBe(1)
    // Half a second of work, then quiet: not worth a pause.
    c.look(500)
    c.heap(100)
    expect(c.looks(10, 0).some(Boolean)).toBe(false)
    // Another second of work: now it is.
    c.looks(2, 600)
    expect(c.looks(6, 0)).toEqual([false, false, false, false, false, true])
    // A burst that left little unused: nothing to gain.
    c.looks(3, 900)
    c.heap(10)
    expect(c.looks(10, 0).some(Boolean)).toBe(false)
    expect(c.collections()).toBe(2)
    c.stop()
  })

  it('collects again only when 16 MB more is unused than the last collection left, or than V8 came down to', () => {
    const c = driven()
    c.heap(40, 30) // the young generation keeps its size: 30 MB stay unused
    c.looks(6, 0)
    expect(c.collections()).toBe(1)
    c.look(0) // what it left is read a look later
    // Work that leaves 40 MB unused: 10 MB over what the collection left, not worth another.
    c.heap(40, 30)
    c.looks(2, 600)
    expect(c.looks(10, 0).some(Boolean)).toBe(false)
    // 50 MB: 20 over.
    c.heap(50, 30)
    c.looks(2, 600)
    expect(c.looks(6, 0)).toEqual([false, false, false, false, false, true])
    c.look(0)
    // V8 gave the young generation back itself (5 MB unused); then a burst left 25 MB unused: 20 over that.
    c.heap(5)
    c.look(0)
    c.looks(2, 600)
    c.heap(25)
    expect(c.looks(6, 0)).toEqual([false, false, false, false, false, true])
    expect(c.collections()).toBe(3)
    c.stop()
  })

  it('collects a second time, five quiet looks later, when V8 kept the young generation in the first', () => {
    const c = driven()
    c.heap(40, 30, 24) // the collection leaves 30 MB unused, 24 of them the young generation's
    expect(c.looks(6, 0)).toEqual([false, false, false, false, false, true])
    expect(c.looks(5, 0)).toEqual([false, false, false, false, true])
    // The second one kept it as well: no third.
    expect(c.looks(20, 0).some(Boolean)).toBe(false)
    expect(c.collections()).toBe(2)
    // Work comes back before the second is due: none.
    c.looks(2, 600)
    c.heap(60, 30, 24)
    expect(c.looks(6, 0)).toEqual([false, false, false, false, false, true])
    c.looks(2, 0)
    c.look(100)
    expect(c.looks(10, 0).some(Boolean)).toBe(false)
    // A first one that gives the young generation back needs no second.
    c.looks(2, 600)
    c.heap(60, 10, 2)
    expect(c.looks(6, 0)).toEqual([false, false, false, false, false, true])
    expect(c.looks(10, 0).some(Boolean)).toBe(false)
    expect(c.collections()).toBe(4)
    c.stop()
  })

  it("runs V8's full collection without putting gc() anywhere else", () => {
    const collect = v8FullCollection()
    let garbage: object[] | undefined = Array.from({ length: 300_000 }, (_, i) => ({ i, text: `item ${i}` }))
    const held = getHeapStatistics().used_heap_size
    expect(garbage.length).toBe(300_000)
    garbage = undefined
    collect()
    // 300,000 objects and their strings are over 15 MB; a full collection frees them all.
    expect(held - getHeapStatistics().used_heap_size).toBeGreaterThan(10 * MB)
    expect(garbage).toBeUndefined()
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined()
    expect(runInNewContext('typeof gc')).toBe('undefined')
  })
})
