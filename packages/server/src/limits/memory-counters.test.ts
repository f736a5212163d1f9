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

  it('drops expired windows on a later write instead of keeping one record per key forever', () => {
    const counters = new MemoryCounters(1)
    for (let i = 0; i < 1000; i++) counters.add(`id-${i}`, 1, 0)
    expect(counters.size).toBe(1000)
    counters.add('later', 1, 120_000)
    expect(counters.size).toBe(1)
    expect(counters.get('later', 120_000)?.consumedPoints).toBe(1)
  })
})
