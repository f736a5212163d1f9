import type { Clock } from '../../src/core/clock.js'

export interface FakeClock extends Clock {
  advanceSeconds(seconds: number): void
  set(ms: number): void
}

/** A clock that only moves when told to. */
export function createFakeClock(startMs = Date.parse('2026-01-01T00:00:00Z')): FakeClock {
  let now = startMs
  return {
    nowMs: () => now,
    advanceSeconds(seconds) {
      now += seconds * 1000
    },
    set(ms) {
      now = ms
    },
  }
}
