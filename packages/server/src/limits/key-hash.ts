import { randomBytes } from 'node:crypto'

/**
 * A key's 64-bit hash, keyed with a random seed per instance: two 32-bit lanes over the key's UTF-16 units,
 * each finished with MurmurHash3's mixer. `of` writes the lanes to `a` and `b` rather than allocating a pair
 * (it runs on every limit check). The seed is unknown outside the process, so no one can aim at a collision.
 */
export class KeyHash {
  a = 0
  b = 0
  readonly #seedA: number
  readonly #seedB: number

  constructor() {
    const seed = randomBytes(8)
    this.#seedA = seed.readUInt32LE(0)
    this.#seedB = seed.readUInt32LE(4)
  }

  of(key: string): void {
    let a = this.#seedA ^ key.length
    let b = this.#seedB
    for (let i = 0; i < key.length; i++) {
      const unit = key.charCodeAt(i)
      a = Math.imul(a ^ unit, 0x01000193)
      b = Math.imul(b ^ unit, 0x5bd1e995)
      b ^= b >>> 15
    }
    this.a = mix32(a)
    this.b = mix32(b ^ key.length)
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
