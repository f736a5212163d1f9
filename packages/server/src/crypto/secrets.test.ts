import { describe, expect, it } from 'vitest'
import {
  CODE_ALPHABETS,
  constantTimeEqual,
  decryptSecret,
  deriveServerKeys,
  encryptSecret,
  generateCode,
  generateId,
  hashCode,
  idsMadeBefore,
} from './secrets.js'

const SECRET = 'unit-test-secret-0123456789-0123456789'
const keys = deriveServerKeys(SECRET)

/** Pearson's statistic for counts that should all equal total / counts.size. */
function chiSquare(counts: Map<string, number>, categories: string, total: number): number {
  const expected = total / categories.length
  let statistic = 0
  for (const symbol of categories) {
    const observed = counts.get(symbol) ?? 0
    statistic += (observed - expected) ** 2 / expected
  }
  return statistic
}

function countSymbols(codes: string[]): { counts: Map<string, number>; total: number } {
  const counts = new Map<string, number>()
  let total = 0
  for (const code of codes) {
    for (const symbol of code) {
      counts.set(symbol, (counts.get(symbol) ?? 0) + 1)
      total++
    }
  }
  return { counts, total }
}

/** Flips one bit of the base64url part at `index` of a sealed secret. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.')
  const bytes = Buffer.from(parts[index] ?? '', 'base64url')
  bytes[0] = (bytes[0] ?? 0) ^ 0x01
  parts[index] = bytes.toString('base64url')
  return parts.join('.')
}

describe('generateCode', () => {
  it.each([4, 6, 8, 10])('returns a %i-character code of digits', (length) => {
    for (let i = 0; i < 200; i++) {
      expect(generateCode(length, 'digits')).toMatch(new RegExp(`^[0-9]{${length}}$`))
    }
  })

  it('uses only the alphanumeric alphabet, which has no 0, O, 1, I or L', () => {
    expect(CODE_ALPHABETS.alphanumeric).not.toMatch(/[0O1IL]/)
    const seen = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const code = generateCode(8, 'alphanumeric')
      expect(code).toHaveLength(8)
      expect(code).toMatch(/^[A-HJKMNP-Z2-9]{8}$/)
      expect(code).not.toMatch(/[0O1IL]/)
      for (const symbol of code) seen.add(symbol)
    }
    // 16,000 draws over 31 symbols: every symbol shows up (a missing one has probability ~1e-220).
    expect([...seen].sort().join('')).toBe([...CODE_ALPHABETS.alphanumeric].sort().join(''))
  })

  // 9 degrees of freedom: P(chi² > 66) ≈ 1e-10, so a fair generator fails this less than once in 10^9 runs.
  it('draws digits uniformly (chi-square over 60,000 digits)', () => {
    const codes = Array.from({ length: 6000 }, () => generateCode(10, 'digits'))
    const { counts, total } = countSymbols(codes)
    expect(total).toBe(60_000)
    expect(chiSquare(counts, CODE_ALPHABETS.digits, total)).toBeLessThan(66)
  })

  // 30 degrees of freedom: P(chi² > 108) ≈ 1e-10.
  it('draws alphanumeric symbols uniformly (chi-square over 62,000 symbols)', () => {
    const codes = Array.from({ length: 6200 }, () => generateCode(10, 'alphanumeric'))
    const { counts, total } = countSymbols(codes)
    expect(total).toBe(62_000)
    expect(chiSquare(counts, CODE_ALPHABETS.alphanumeric, total)).toBeLessThan(108)
  })

  it('draws every position uniformly, not only the code as a whole', () => {
    // Per position: 6,000 digits, 9 degrees of freedom, same 1e-10 bound.
    const codes = Array.from({ length: 6000 }, () => generateCode(6, 'digits'))
    for (let position = 0; position < 6; position++) {
      const { counts, total } = countSymbols(codes.map((code) => code[position] ?? ''))
      expect(chiSquare(counts, CODE_ALPHABETS.digits, total)).toBeLessThan(66)
    }
  })

  it('tells the chi-square check apart from a generator that never draws one digit', () => {
    // Guards the statistic itself: a skewed sample must exceed the bound used above.
    const skewed = Array.from({ length: 6000 }, (_, i) => String((i % 9) + 1).repeat(10))
    const { counts, total } = countSymbols(skewed)
    expect(chiSquare(counts, CODE_ALPHABETS.digits, total)).toBeGreaterThan(66)
  })
})

describe('generateId', () => {
  it('is the prefix, an underscore, 10 characters of time and 26 random, lower-case Crockford base32', () => {
    for (let i = 0; i < 1000; i++) {
      expect(generateId('ver')).toMatch(/^ver_[0-9a-hjkmnp-tv-z]{36}$/)
    }
    expect(generateId('tok')).toMatch(/^tok_[0-9a-hjkmnp-tv-z]{36}$/)
  })

  it('sorts by creation time, whatever the random part', () => {
    const now = Date.now()
    const first = generateId('ver', 16, now - 5)
    const second = generateId('ver')
    expect(first < second).toBe(true)
    expect(generateId('ver', 16, now + 1) > generateId('ver', 16, now)).toBe(true)
    // The time part is the millisecond clock in base32, most significant first.
    const decoded = [...second.slice(4, 14)].reduce(
      (value, char) => value * 32 + '0123456789abcdefghjkmnpqrstvwxyz'.indexOf(char),
      0,
    )
    expect(Math.abs(decoded - Date.now())).toBeLessThan(60_000)
  })

  it('never uses the letters Crockford base32 leaves out (i, l, o, u)', () => {
    const all = Array.from({ length: 2000 }, () => generateId('x').slice(2)).join('')
    expect(all).not.toMatch(/[ilou]/)
    expect(all).not.toMatch(/[A-Z]/)
  })

  it('does not repeat over 20,000 ids', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => generateId('ver')))
    expect(ids.size).toBe(20_000)
  })

  it('idsMadeBefore bounds exactly the ids made before a time', () => {
    const at = 1_765_000_000_123
    const bound = idsMadeBefore('evt', at)
    for (let i = 0; i < 200; i++) {
      expect(generateId('evt', 16, at - 1) < bound).toBe(true)
      expect(generateId('evt', 16, at) > bound).toBe(true)
      expect(generateId('evt', 16, at + 60_000) > bound).toBe(true)
    }
    expect(generateId('evt', 16, 0) < idsMadeBefore('evt', 1)).toBe(true)
  })

  it('encodes the requested number of random bytes', () => {
    // 10 bytes = 80 bits = 16 characters of 5 bits, after the 10 of time.
    expect(generateId('sk', 10)).toMatch(/^sk_[0-9a-hjkmnp-tv-z]{26}$/)
  })
})

describe('hashCode', () => {
  it('is deterministic for one verification, code and secret', () => {
    expect(hashCode(keys, 'ver_a', '123456')).toBe(hashCode(keys, 'ver_a', '123456'))
  })

  it('is a base64url HMAC-SHA256 that does not contain the code', () => {
    const hash = hashCode(keys, 'ver_a', '123456')
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(hash).not.toContain('123456')
  })

  it('binds to the verification id: the same code on another verification hashes differently', () => {
    expect(hashCode(keys, 'ver_a', '123456')).not.toBe(hashCode(keys, 'ver_b', '123456'))
  })

  it('binds to the server secret', () => {
    const otherKeys = deriveServerKeys('another-secret-0123456789-0123456789')
    expect(hashCode(keys, 'ver_a', '123456')).not.toBe(hashCode(otherKeys, 'ver_a', '123456'))
  })

  it('differs for a different code', () => {
    expect(hashCode(keys, 'ver_a', '123456')).not.toBe(hashCode(keys, 'ver_a', '123457'))
  })
})

describe('constantTimeEqual', () => {
  it('is true for equal strings', () => {
    expect(constantTimeEqual('abc123', 'abc123')).toBe(true)
    expect(constantTimeEqual('', '')).toBe(true)
    expect(constantTimeEqual('ünïcödé', 'ünïcödé')).toBe(true)
  })

  it('is false for strings of the same length that differ', () => {
    expect(constantTimeEqual('abc123', 'abc124')).toBe(false)
    expect(constantTimeEqual('Abc123', 'abc123')).toBe(false)
  })

  it('is false (and does not throw) for strings of different lengths', () => {
    expect(constantTimeEqual('abc', 'abcd')).toBe(false)
    expect(constantTimeEqual('', 'a')).toBe(false)
    // Same character count, different byte length.
    expect(constantTimeEqual('é', 'e')).toBe(false)
  })
})

describe('encryptSecret / decryptSecret', () => {
  it('round-trips a secret', () => {
    const plaintext = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI…\n-----END PRIVATE KEY-----\n'
    expect(decryptSecret(keys, encryptSecret(keys, plaintext))).toBe(plaintext)
    expect(decryptSecret(keys, encryptSecret(keys, 'ünïcödé ✓'))).toBe('ünïcödé ✓')
  })

  it('round-trips an empty secret', () => {
    expect(decryptSecret(keys, encryptSecret(keys, ''))).toBe('')
  })

  it('seals as v1.<iv>.<tag>.<ciphertext>, without the plaintext, with a fresh IV each time', () => {
    const a = encryptSecret(keys, 'JBSWY3DPEHPK3PXP')
    const b = encryptSecret(keys, 'JBSWY3DPEHPK3PXP')
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/)
    expect(a).not.toContain('JBSWY3DPEHPK3PXP')
    expect(a).not.toBe(b)
  })

  it.each([
    ['iv', 1],
    ['tag', 2],
    ['ciphertext', 3],
  ])('throws when one bit of the %s is flipped', (_part, index) => {
    const sealed = encryptSecret(keys, 'a secret worth keeping')
    const altered = tamper(sealed, index)
    expect(altered).not.toBe(sealed)
    expect(() => decryptSecret(keys, altered)).toThrow()
  })

  it('refuses a truncated authentication tag', () => {
    // Without a fixed tag length GCM accepts tags as short as 4 bytes, which a forger could guess.
    const parts = encryptSecret(keys, 'a secret worth keeping').split('.')
    parts[2] = Buffer.from(parts[2] ?? '', 'base64url')
      .subarray(0, 4)
      .toString('base64url')
    expect(() => decryptSecret(keys, parts.join('.'))).toThrow()
  })

  it('throws with the wrong key', () => {
    const sealed = encryptSecret(keys, 'a secret worth keeping')
    const otherKeys = deriveServerKeys('another-secret-0123456789-0123456789')
    expect(() => decryptSecret(otherKeys, sealed)).toThrow()
  })

  it('throws on an unknown format', () => {
    const sealed = encryptSecret(keys, 'a secret worth keeping')
    expect(() => decryptSecret(keys, sealed.replace(/^v1\./, 'v2.'))).toThrow()
    expect(() => decryptSecret(keys, 'not sealed at all')).toThrow()
  })
})

describe('deriveServerKeys', () => {
  it('derives four distinct 32-byte keys, one per purpose', () => {
    const derived = [keys.codeHash, keys.tokenHash, keys.apiKeyHash, keys.encryption]
    for (const key of derived) expect(key).toHaveLength(32)
    expect(new Set(derived.map((key) => key.toString('hex'))).size).toBe(4)
  })

  it('is deterministic for one secret and differs for another', () => {
    const again = deriveServerKeys(SECRET)
    const other = deriveServerKeys(`${SECRET}x`)
    expect(again.codeHash.equals(keys.codeHash)).toBe(true)
    expect(again.encryption.equals(keys.encryption)).toBe(true)
    expect(other.codeHash.equals(keys.codeHash)).toBe(false)
    expect(other.encryption.equals(keys.encryption)).toBe(false)
  })

  it('does not use the secret itself as a key', () => {
    const raw = Buffer.from(SECRET).subarray(0, 32)
    for (const key of [keys.codeHash, keys.tokenHash, keys.apiKeyHash, keys.encryption]) {
      expect(key.equals(raw)).toBe(false)
    }
  })
})
