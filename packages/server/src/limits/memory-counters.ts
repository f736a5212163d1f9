import { randomBytes } from 'node:crypto'

/** A window's count for one key, shaped like rate-limiter-flexible's answer. */
export interface CounterState {
  readonly consumedPoints: number
  readonly msBeforeNext: number
}

/** Expired windows dropped, at most, by one write that opens a window. */
const DROPS_PER_WRITE = 8
/** Slots looked at, at most, by one write's sweep (it stops earlier once DROPS_PER_WRITE are dropped). */
const SLOTS_PER_WRITE = 32
const MIN_CAPACITY = 1024
/** An empty slot: every window expires after its opening (durations are whole seconds), never at 0. */
const EMPTY = 0

/**
 * Fixed-window counters in process memory, counting as rate-limiter-flexible's
 * RateLimiterMemory does (a window opens at a key's first point and lasts
 * `durationSeconds`), in an open-addressing hash table of typed arrays: no
 * JavaScript object per key. A Map of one object per window held about 200
 * bytes of heap per key, and after a bench (hundreds of thousands of
 * identifiers, each with a daily window) it was most of the heap, and every
 * major garbage collection traced it (issue 21: RSS and event-loop stalls).
 * Here a key costs 24 bytes a slot, with between 3/8 and 3/4 of the slots in use
 * (linear probing stays short at that load with a well-mixed hash).
 *
 * A key is held as its 64-bit hash, keyed with a random seed per process, not
 * as its string. Two keys with one hash would share a window: that only makes
 * the limit stricter for both, never looser, the seed is unknown outside the
 * process, and at a million keys the chance of any such pair is about 3 in 10^8.
 *
 * Expired windows are dropped as writes come: each write that opens a window
 * looks at up to SLOTS_PER_WRITE slots from a cursor that goes round the table
 * and drops up to DROPS_PER_WRITE of them, so no write pays for a whole sweep
 * (a whole-Map sweep once a minute held the event loop for 150 ms at 150,000
 * keys). The table is rebuilt — expired windows left out, at most half full —
 * when three quarters of its slots are in use, or fewer than a sixteenth.
 */
export class MemoryCounters {
  readonly #durationMs: number
  readonly #seedA: number
  readonly #seedB: number
  #mask = MIN_CAPACITY - 1
  #hashA = new Uint32Array(MIN_CAPACITY)
  #hashB = new Uint32Array(MIN_CAPACITY)
  #expiresAt = new Float64Array(MIN_CAPACITY)
  #points = new Float64Array(MIN_CAPACITY)
  #count = 0
  #cursor = 0
  /** The last key's hash (#hash writes here rather than allocating a pair). */
  #a = 0
  #b = 0

  constructor(durationSeconds: number) {
    this.#durationMs = durationSeconds * 1000
    const seed = randomBytes(8)
    this.#seedA = seed.readUInt32LE(0)
    this.#seedB = seed.readUInt32LE(4)
  }

  /** Adds `points` (negative to give back) to the key's current window, opening one if none is live. */
  add(key: string, points: number, now = Date.now()): CounterState {
    this.#hash(key)
    let slot = this.#find()
    if (slot >= 0) {
      const expiresAt = this.#expiresAt[slot] as number
      if (expiresAt > now) {
        const total = (this.#points[slot] as number) + points
        this.#points[slot] = total
        return { consumedPoints: total, msBeforeNext: expiresAt - now }
      }
    }
    this.#sweep(now)
    // The sweep may have dropped or moved the expired window: look again.
    slot = this.#find()
    if (slot < 0) {
      if ((this.#count + 1) * 4 > this.#expiresAt.length * 3) this.#rebuild(now)
      slot = this.#emptySlotFor(this.#b)
      this.#hashA[slot] = this.#a
      this.#hashB[slot] = this.#b
      this.#count++
    }
    this.#points[slot] = points
    this.#expiresAt[slot] = now + this.#durationMs
    return { consumedPoints: points, msBeforeNext: this.#durationMs }
  }

  /** The key's live window, or null. */
  get(key: string, now = Date.now()): CounterState | null {
    this.#hash(key)
    const slot = this.#find()
    if (slot < 0) return null
    const expiresAt = this.#expiresAt[slot] as number
    if (expiresAt <= now) return null
    return { consumedPoints: this.#points[slot] as number, msBeforeNext: expiresAt - now }
  }

  /** Keys held, live or not yet swept. */
  get size(): number {
    return this.#count
  }

  /** Slots in the table (for tests: it is rebuilt smaller once most windows have expired). */
  get capacity(): number {
    return this.#expiresAt.length
  }

  /** Two 32-bit lanes over the key's UTF-16 units, each seeded and finished with MurmurHash3's mixer. */
  #hash(key: string): void {
    let a = this.#seedA ^ key.length
    let b = this.#seedB
    for (let i = 0; i < key.length; i++) {
      const unit = key.charCodeAt(i)
      a = Math.imul(a ^ unit, 0x01000193)
      b = Math.imul(b ^ unit, 0x5bd1e995)
      b ^= b >>> 15
    }
    this.#a = mix32(a)
    this.#b = mix32(b ^ key.length)
  }

  /** The slot holding the last hashed key, or -1. */
  #find(): number {
    const mask = this.#mask
    for (let slot = this.#b & mask; ; slot = (slot + 1) & mask) {
      if (this.#expiresAt[slot] === EMPTY) return -1
      if (this.#hashB[slot] === this.#b && this.#hashA[slot] === this.#a) return slot
    }
  }

  #emptySlotFor(b: number): number {
    const mask = this.#mask
    let slot = b & mask
    while (this.#expiresAt[slot] !== EMPTY) slot = (slot + 1) & mask
    return slot
  }

  #sweep(now: number): void {
    let dropped = 0
    for (let looked = 0; looked < SLOTS_PER_WRITE && dropped < DROPS_PER_WRITE && this.#count > 0; looked++) {
      const slot = this.#cursor
      const expiresAt = this.#expiresAt[slot] as number
      if (expiresAt !== EMPTY && expiresAt <= now) {
        // The slot may now hold a window moved back into it: look at it again before going on.
        this.#delete(slot)
        dropped++
      } else {
        this.#cursor = (slot + 1) & this.#mask
      }
    }
    // Most of a large table expired (a burst has passed): a smaller one for what is left.
    if (dropped > 0 && this.#count * 16 < this.#expiresAt.length && this.#expiresAt.length > MIN_CAPACITY) {
      this.#rebuild(now)
    }
  }

  /** Empties a slot and moves later windows of its cluster back, so that every lookup still finds them. */
  #delete(slot: number): void {
    const mask = this.#mask
    let hole = slot
    for (let next = (hole + 1) & mask; this.#expiresAt[next] !== EMPTY; next = (next + 1) & mask) {
      const home = (this.#hashB[next] as number) & mask
      // The window at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next
      if (stays) continue
      this.#hashA[hole] = this.#hashA[next] as number
      this.#hashB[hole] = this.#hashB[next] as number
      this.#expiresAt[hole] = this.#expiresAt[next] as number
      this.#points[hole] = this.#points[next] as number
      hole = next
    }
    this.#expiresAt[hole] = EMPTY
    this.#count--
  }

  /** A new table holding only the live windows, at most half full. */
  #rebuild(now: number): void {
    const hashA = this.#hashA
    const hashB = this.#hashB
    const expires = this.#expiresAt
    const points = this.#points
    let live = 0
    for (let slot = 0; slot < expires.length; slot++) if ((expires[slot] as number) > now) live++
    let capacity = MIN_CAPACITY
    while (capacity < (live + 1) * 2) capacity *= 2
    this.#mask = capacity - 1
    this.#hashA = new Uint32Array(capacity)
    this.#hashB = new Uint32Array(capacity)
    this.#expiresAt = new Float64Array(capacity)
    this.#points = new Float64Array(capacity)
    this.#count = live
    this.#cursor = 0
    for (let slot = 0; slot < expires.length; slot++) {
      const expiresAt = expires[slot] as number
      if (expiresAt <= now) continue
      const b = hashB[slot] as number
      const target = this.#emptySlotFor(b)
      this.#hashA[target] = hashA[slot] as number
      this.#hashB[target] = b
      this.#expiresAt[target] = expiresAt
      this.#points[target] = points[slot] as number
    }
  }
}

/** MurmurHash3's 32-bit finaliser: every input bit reaches every output bit. */
function mix32(h: number): number {
  let x = h ^ (h >>> 16)
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  x ^= x >>> 16
  return x >>> 0
}
