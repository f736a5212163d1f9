/** A window's count for one key, shaped like rate-limiter-flexible's answer. */
export interface CounterState {
  readonly consumedPoints: number
  readonly msBeforeNext: number
}

/**
 * Expired windows dropped, at most, by one write. A write adds at most one window, so this keeps up
 * with any rate while bounding the work of one request.
 */
const SWEEP_PER_WRITE = 8

interface Window {
  points: number
  readonly expiresAt: number
}

/**
 * Fixed-window counters in process memory, counting as rate-limiter-flexible's
 * RateLimiterMemory does (a window opens at a key's first point and lasts
 * `durationSeconds`), without its one timer per key: that timer and its
 * record held about 470 bytes of heap per key (100k+ identifiers after a
 * bench: most of the RSS). Expired windows are dropped as writes come, so
 * memory follows the keys of live windows.
 *
 * Every window lasts the same duration, so the Map's insertion order is the
 * order in which windows expire (a key whose window is renewed is deleted
 * and set again, to the end). Each write drops at most SWEEP_PER_WRITE
 * expired windows from the front, through one iterator kept across writes,
 * and stops at the first live one. (A sweep of the whole Map once a minute
 * held the event loop for 150 ms with 150,000 keys: a stall every minute
 * under load, issue 21.)
 */
export class MemoryCounters {
  readonly #windows = new Map<string, Window>()
  readonly #durationMs: number
  /** Walks the Map from its oldest window; it sees windows set after it was made. */
  #cursor: Iterator<[string, Window]> | undefined
  /** The oldest window the cursor has reached and not dropped (live when last looked at). */
  #oldest: [string, Window] | undefined

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
    // To the end of the Map, where the windows that expire last are.
    if (window) this.#windows.delete(key)
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
    for (let dropped = 0; dropped < SWEEP_PER_WRITE; ) {
      if (!this.#oldest) {
        this.#cursor ??= this.#windows.entries()
        const next = this.#cursor.next()
        if (next.done) {
          // Everything it passed is gone; a done iterator sees nothing new, so the next sweep starts afresh.
          this.#cursor = undefined
          return
        }
        this.#oldest = next.value
      }
      const [key, window] = this.#oldest
      // Renewed since the cursor passed it: that window now sits further on, under the same key.
      if (this.#windows.get(key) !== window) {
        this.#oldest = undefined
        continue
      }
      if (window.expiresAt > now) return
      this.#windows.delete(key)
      this.#oldest = undefined
      dropped++
    }
  }
}
