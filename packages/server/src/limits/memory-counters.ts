/** A window's count for one key, shaped like rate-limiter-flexible's answer. */
export interface CounterState {
  readonly consumedPoints: number
  readonly msBeforeNext: number
}

/** How often, at most, expired windows are swept out (on the next write). */
const SWEEP_INTERVAL_MS = 60_000

/**
 * Fixed-window counters in process memory, counting as rate-limiter-flexible's
 * RateLimiterMemory does (a window opens at a key's first point and lasts
 * `durationSeconds`), without its one timer per key: that timer and its
 * record held about 470 bytes of heap per key (100k+ identifiers after a
 * bench: most of the RSS). Expired windows are dropped by a sweep on write,
 * at most once a minute, so memory follows the keys of live windows.
 */
export class MemoryCounters {
  readonly #windows = new Map<string, { points: number; expiresAt: number }>()
  readonly #durationMs: number
  #nextSweep = 0

  constructor(durationSeconds: number) {
    this.#durationMs = durationSeconds * 1000
  }

  /** Adds `points` (negative to give back) to the key's current window, opening one if none is live. */
  add(key: string, points: number, now = Date.now()): CounterState {
    const window = this.#windows.get(key)
    if (window && window.expiresAt > now) {
      window.points += points
      return { consumedPoints: window.points, msBeforeNext: window.expiresAt - now }
    }
    this.#sweep(now)
    this.#windows.set(key, { points, expiresAt: now + this.#durationMs })
    return { consumedPoints: points, msBeforeNext: this.#durationMs }
  }

  /** The key's live window, or null. */
  get(key: string, now = Date.now()): CounterState | null {
    const window = this.#windows.get(key)
    if (!window || window.expiresAt <= now) return null
    return { consumedPoints: window.points, msBeforeNext: window.expiresAt - now }
  }

  /** Keys held, live or not yet swept. */
  get size(): number {
    return this.#windows.size
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return
    this.#nextSweep = now + SWEEP_INTERVAL_MS
    for (const [key, window] of this.#windows) if (window.expiresAt <= now) this.#windows.delete(key)
  }
}
