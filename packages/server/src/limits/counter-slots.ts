/** An empty slot. A held window's expiry stamp is at least 1 (see MemoryCounters' stamps). */
export const EMPTY = 0

/** One open-addressing table: a window per slot, as four typed arrays over one buffer. */
export class Slots {
  readonly mask: number
  readonly #buffer: ArrayBuffer
  readonly hashA: Uint32Array
  readonly hashB: Uint32Array
  /** When the window ends, as a stamp: milliseconds after the counters' base. */
  readonly expiresAt: Uint32Array
  readonly points: Int32Array

  constructor(capacity: number) {
    this.mask = capacity - 1
    // 16 bytes a slot, four 32-bit arrays over one buffer.
    this.#buffer = new ArrayBuffer(capacity * 16)
    this.hashA = new Uint32Array(this.#buffer, 0, capacity)
    this.hashB = new Uint32Array(this.#buffer, capacity * 4, capacity)
    this.expiresAt = new Uint32Array(this.#buffer, capacity * 8, capacity)
    this.points = new Int32Array(this.#buffer, capacity * 12, capacity)
  }

  get capacity(): number {
    return this.expiresAt.length
  }

  /** The slot holding the key hashed to (a, b), or -1. */
  find(a: number, b: number): number {
    const mask = this.mask
    for (let slot = b & mask; ; slot = (slot + 1) & mask) {
      if (this.expiresAt[slot] === EMPTY) return -1
      if (this.hashB[slot] === b && this.hashA[slot] === a) return slot
    }
  }

  /**
   * Frees the table's memory now, once it is no longer used. Left to the collector, it would wait for the
   * next full GC: a table outlives two scavenges, so it sits in the old generation, and with little else
   * promoted that GC can be minutes away (issue 21: after the bench, 12 MB of RSS was dead tables).
   * Transferring the buffer detaches it: to nothing where `ArrayBuffer.prototype.transfer` exists (Node 22 and
   * later), which frees the memory at once; on Node 20 to a clone that is young garbage, freed at the next scavenge.
   */
  release(): void {
    const buffer = this.#buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer }
    if (buffer.transfer) buffer.transfer(0)
    else structuredClone(buffer, { transfer: [buffer] })
  }

  emptySlotFor(b: number): number {
    const mask = this.mask
    let slot = b & mask
    while (this.expiresAt[slot] !== EMPTY) slot = (slot + 1) & mask
    return slot
  }
}
