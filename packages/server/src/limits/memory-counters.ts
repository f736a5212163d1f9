import { EMPTY, Slots } from './counter-slots.js'
import { KeyHash } from './key-hash.js'

/** A window's count for one key, shaped like rate-limiter-flexible's answer. */
export interface CounterState {
  readonly consumedPoints: number
  readonly msBeforeNext: number
}

/** Expired windows dropped, at most, by one write that opens a window. */
const DROPS_PER_WRITE = 8
/** Slots looked at, at most, by one write's sweep (it stops earlier once DROPS_PER_WRITE are dropped). */
const SLOTS_PER_WRITE = 32
/** Slots of the previous table moved into the new one by each write while the table is resized. */
const SLOTS_MOVED_PER_WRITE = 256
const MIN_CAPACITY = 1024
/** Expiry stamps are milliseconds after a base, in 32 bits: below 2^32. */
const STAMP_LIMIT = 2 ** 32
/**
 * Where a moved base puts the present: half way up the stamps' range, so that the clock may run on for 24 days
 * (less a window, at most 7 days by the settings' schema) before the next move, or step back as far and still
 * be read exactly.
 */
const STAMP_OF_NOW = 2 ** 31
/** The longest window counted here: twice the settings' longest (7 days), leaving 10 days between base moves. */
const MAX_WINDOW_SECONDS = 14 * 86_400

/**
 * Fixed-window counters in process memory, counting as rate-limiter-flexible's
 * RateLimiterMemory does (a window opens at a key's first point and lasts
 * `durationSeconds`), in an open-addressing hash table of typed arrays: no
 * JavaScript object per key. A Map of one object per window held about 200
 * bytes of heap per key, and after a bench (hundreds of thousands of
 * identifiers, each with a daily window) it was most of the heap, and every
 * major garbage collection traced it (issue 21: RSS and event-loop stalls).
 * Here a key costs 16 bytes a slot, with between 3/8 and 3/4 of the slots in use
 * (linear probing stays short at that load with a well-mixed hash).
 *
 * A slot is four 32-bit numbers: the key's hash (two), the window's points,
 * and when it ends as a stamp, milliseconds after a base the counters keep
 * (32 bits hold 49 days of milliseconds; a window lasts at most 14). Times
 * inside the class are stamps; `add` and `get` take the clock's milliseconds.
 * Stamps rather than the clock's own 64-bit times took a slot from 24 bytes to
 * 16 (issue 21: the tables were 30–58 MB of the RSS after the bench).
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
 * keys). The table is resized — to at most half full — when three quarters of
 * its slots are in use, or fewer than a sixteenth.
 *
 * A resize is spread over the writes that follow it, as a sweep is: copying a
 * table of 400,000 windows at once held the event loop for 22 ms, and the
 * limiters of one start (one table each, keyed alike) grew in the same request.
 * The new table takes every new window; each write moves SLOTS_MOVED_PER_WRITE
 * slots of the previous one across (expired windows left behind); until the last
 * is moved, a key not in the new table is looked for in the part of the previous
 * one not yet moved, which is never changed but in place, so its probe chains
 * hold and a window is never counted twice or lost.
 */
export class MemoryCounters {
  readonly #durationMs: number
  /** The key's seeded 64-bit hash, as two lanes (written in place: no pair allocated per call). */
  readonly #key = new KeyHash()
  #table = new Slots(MIN_CAPACITY)
  /** The table being moved into #table, while a resize is under way. */
  #previous: Slots | undefined
  /** Slots of #previous below this one have been moved (or left behind, expired). */
  #moved = 0
  /** Windows held: in #table, and in #previous from #moved on (live or not yet swept). */
  #count = 0
  #cursor = 0
  /** Stamps count milliseconds from here; NaN until the first write sets it. */
  #base = Number.NaN

  constructor(durationSeconds: number) {
    if (!(durationSeconds >= 1 && durationSeconds <= MAX_WINDOW_SECONDS)) {
      throw new RangeError(`a window lasts 1 to ${MAX_WINDOW_SECONDS} seconds here, not ${durationSeconds}`)
    }
    this.#durationMs = durationSeconds * 1000
  }

  /** Adds `points` (negative to give back) to the key's current window, opening one if none is live. */
  add(key: string, points: number, nowMs = Date.now()): CounterState {
    const now = this.#stampOf(nowMs)
    this.#key.of(key)
    if (this.#previous !== undefined) this.#moveSome(now)
    const previous = this.#previous
    let slot = this.#table.find(this.#key.a, this.#key.b)
    if (slot < 0 && previous !== undefined) {
      const old = previous.find(this.#key.a, this.#key.b)
      if (old >= this.#moved) {
        // Not moved yet: the previous table holds it until it is, and takes its changes in place.
        const expiresAt = previous.expiresAt[old] as number
        if (expiresAt > now) {
          const total = (previous.points[old] as number) + points
          previous.points[old] = total
          return { consumedPoints: total, msBeforeNext: expiresAt - now }
        }
        previous.points[old] = points
        previous.expiresAt[old] = now + this.#durationMs
        return { consumedPoints: points, msBeforeNext: this.#durationMs }
      }
    }
    const table = this.#table
    if (slot >= 0) {
      const expiresAt = table.expiresAt[slot] as number
      if (expiresAt > now) {
        const total = (table.points[slot] as number) + points
        table.points[slot] = total
        return { consumedPoints: total, msBeforeNext: expiresAt - now }
      }
    }
    this.#sweep(now)
    // The sweep may have dropped or moved the expired window, or begun a resize: look again.
    slot = this.#table.find(this.#key.a, this.#key.b)
    if (slot < 0) {
      if ((this.#count + 1) * 4 > this.#table.capacity * 3) {
        // Rare: new windows outran a resize (a table shrunk small, then a burst of new keys). Finish it first.
        while (this.#previous !== undefined) this.#moveSome(now)
        if ((this.#count + 1) * 4 > this.#table.capacity * 3) this.#resize(now)
      }
      const target = this.#table
      slot = target.emptySlotFor(this.#key.b)
      target.hashA[slot] = this.#key.a
      target.hashB[slot] = this.#key.b
      this.#count++
    }
    this.#table.points[slot] = points
    this.#table.expiresAt[slot] = now + this.#durationMs
    return { consumedPoints: points, msBeforeNext: this.#durationMs }
  }

  /** The key's live window, or null. */
  get(key: string, nowMs = Date.now()): CounterState | null {
    // As #stampOf reads it, without moving the base: a read past the range still compares rightly with every
    // stamp held (NaN before the first write: nothing is held, so the lookup below finds nothing).
    const now = Math.max(nowMs - this.#base, 0)
    this.#key.of(key)
    let table = this.#table
    let slot = table.find(this.#key.a, this.#key.b)
    if (slot < 0 && this.#previous !== undefined) {
      const old = this.#previous.find(this.#key.a, this.#key.b)
      if (old >= this.#moved) {
        table = this.#previous
        slot = old
      }
    }
    if (slot < 0) return null
    const expiresAt = table.expiresAt[slot] as number
    if (expiresAt <= now) return null
    return { consumedPoints: table.points[slot] as number, msBeforeNext: expiresAt - now }
  }

  /** Keys held, live or not yet swept. */
  get size(): number {
    return this.#count
  }

  /**
   * `nowMs` as a stamp. Moves the base on first when a window opened now would end past the stamps' range: on
   * the first write, then about every 24 days of uptime. A clock that has stepped back before the base reads as
   * the base: the windows held keep their ends, and one opened then lasts longer than asked (stricter, never
   * looser) until the clock is past the base again.
   */
  #stampOf(nowMs: number): number {
    if (Number.isNaN(this.#base)) this.#base = nowMs - STAMP_OF_NOW
    const now = nowMs - this.#base
    if (now < 0) return 0
    if (now + this.#durationMs < STAMP_LIMIT) return now
    this.#rebase(nowMs - STAMP_OF_NOW)
    return STAMP_OF_NOW
  }

  /**
   * Moves the base on, rewriting every window held: one pass over the slots (a few milliseconds at a million),
   * once in 24 days. A live window still ends after the new base; an expired one's stamp that would fall below
   * it is held at 1, still expired.
   */
  #rebase(base: number): void {
    const shift = this.#base - base
    this.#base = base
    this.#shiftStamps(this.#table, 0, shift)
    if (this.#previous !== undefined) this.#shiftStamps(this.#previous, this.#moved, shift)
  }

  #shiftStamps(table: Slots, from: number, shift: number): void {
    const stamps = table.expiresAt
    for (let slot = from; slot < stamps.length; slot++) {
      const stamp = stamps[slot] as number
      if (stamp === EMPTY) continue
      stamps[slot] = Math.max(stamp + shift, 1)
    }
  }

  /** Slots in the table (for tests: it is rebuilt smaller once most windows have expired). */
  get capacity(): number {
    return this.#table.capacity
  }

  /** Whether a resize is still moving windows across (for tests). */
  get resizing(): boolean {
    return this.#previous !== undefined
  }

  #sweep(now: number): void {
    const table = this.#table
    let dropped = 0
    for (let looked = 0; looked < SLOTS_PER_WRITE && dropped < DROPS_PER_WRITE && this.#count > 0; looked++) {
      const slot = this.#cursor
      const expiresAt = table.expiresAt[slot] as number
      if (expiresAt !== EMPTY && expiresAt <= now) {
        // The slot may now hold a window moved back into it: look at it again before going on.
        this.#delete(slot)
        dropped++
      } else {
        this.#cursor = (slot + 1) & table.mask
      }
    }
    // Most of a large table expired (a burst has passed): a smaller one for what is left. Not only after a
    // drop: a resize can leave behind every expired window, and the few live ones left may never expire.
    if (this.#previous === undefined && this.#count * 16 < table.capacity && table.capacity > MIN_CAPACITY) {
      this.#resize(now)
    }
  }

  /** Empties a slot and moves later windows of its cluster back, so that every lookup still finds them. */
  #delete(slot: number): void {
    const table = this.#table
    const mask = table.mask
    let hole = slot
    for (let next = (hole + 1) & mask; table.expiresAt[next] !== EMPTY; next = (next + 1) & mask) {
      const home = (table.hashB[next] as number) & mask
      // The window at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next
      if (stays) continue
      table.hashA[hole] = table.hashA[next] as number
      table.hashB[hole] = table.hashB[next] as number
      table.expiresAt[hole] = table.expiresAt[next] as number
      table.points[hole] = table.points[next] as number
      hole = next
    }
    table.expiresAt[hole] = EMPTY
    this.#count--
  }

  /** Starts a resize: a new table at most half full for every window held; the writes that follow move them. */
  #resize(now: number): void {
    let capacity = MIN_CAPACITY
    while (capacity < (this.#count + 1) * 2) capacity *= 2
    this.#previous = this.#table
    this.#moved = 0
    this.#table = new Slots(capacity)
    this.#cursor = 0
    this.#moveSome(now)
  }

  /** Moves the next SLOTS_MOVED_PER_WRITE slots of the previous table into the new one. */
  #moveSome(now: number): void {
    const from = this.#previous
    if (from === undefined) return
    const to = this.#table
    const end = Math.min(this.#moved + SLOTS_MOVED_PER_WRITE, from.capacity)
    for (let slot = this.#moved; slot < end; slot++) {
      const expiresAt = from.expiresAt[slot] as number
      if (expiresAt === EMPTY) continue
      if (expiresAt <= now) {
        this.#count--
        continue
      }
      const b = from.hashB[slot] as number
      const target = to.emptySlotFor(b)
      to.hashA[target] = from.hashA[slot] as number
      to.hashB[target] = b
      to.expiresAt[target] = expiresAt
      to.points[target] = from.points[slot] as number
    }
    this.#moved = end
    if (end === from.capacity) {
      this.#previous = undefined
      from.release()
    }
  }
}
