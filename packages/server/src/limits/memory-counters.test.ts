import { describe, expect, it } from 'vitest'
import { MemoryCounters } from './memory-counters.js'

describe('in-memory fixed-window counters', () => {
  it('count within a window that opens at the first point, and start over once it has passed', () => {
    const counters = new MemoryCounters(10)
    expect(counters.add('k', 1, 1_000)).toEqual({ consumedPoints: 1, msBeforeNext: 10_000 })
    expect(counters.add('k', 1, 4_000)).toEqual({ consumedPoints: 2, msBeforeNext: 7_000 })
    expect(counters.add('k', -1, 5_000)).toEqual({ consumedPoints: 1, msBeforeNext: 6_000 })
    expect(counters.get('k', 10_999)).toEqual({ consumedPoints: 1, msBeforeNext: 1 })
    expect(counters.get('k', 11_000)).toBeNull()
    expect(counters.add('k', 1, 11_000)).toEqual({ consumedPoints: 1, msBeforeNext: 10_000 })
  })

  it('keeps keys apart', () => {
    const counters = new MemoryCounters(10)
    counters.add('a', 1, 0)
    counters.add('a', 1, 0)
    expect(counters.add('b', 1, 0).consumedPoints).toBe(1)
    expect(counters.get('c', 0)).toBeNull()
  })

  it('drops expired windows as writes come instead of keeping one record per key forever', () => {
    const counters = new MemoryCounters(1)
    for (let i = 0; i < 1000; i++) counters.add(`id-${i}`, 1, 0)
    expect(counters.size).toBe(1000)
    for (let i = 0; i < 200; i++) counters.add(`later-${i}`, 1, 120_000)
    expect(counters.size).toBe(200)
    expect(counters.get('later-0', 120_000)?.consumedPoints).toBe(1)
  })

  // @see issue 21: a sweep of the whole Map once a minute held the event loop for 150 ms at 150,000 keys.
  it('drops only a few expired windows per write, so no write pays for a whole sweep', () => {
    const counters = new MemoryCounters(1)
    for (let i = 0; i < 1000; i++) counters.add(`id-${i}`, 1, 0)
    counters.add('later', 1, 120_000)
    expect(counters.size).toBeGreaterThan(990)
  })

  it('never drops a live window, renewed or behind an expired one', () => {
    const counters = new MemoryCounters(1)
    counters.add('renewed', 1, 0)
    counters.add('old', 1, 0)
    counters.add('young', 1, 900)
    // The renewed key's first window has expired: a new one opens, to the end of the order.
    expect(counters.add('renewed', 1, 1_500)).toEqual({ consumedPoints: 1, msBeforeNext: 1_000 })
    counters.add('other', 1, 1_800)
    expect(counters.get('old', 1_800)).toBeNull()
    expect(counters.get('young', 1_800)?.consumedPoints).toBe(1)
    expect(counters.get('renewed', 1_800)?.consumedPoints).toBe(1)
    expect(counters.size).toBe(3)
    counters.add('last', 1, 2_400)
    expect(counters.get('renewed', 2_400)?.consumedPoints).toBe(1)
    expect(counters.get('young', 2_400)).toBeNull()
  })
})
