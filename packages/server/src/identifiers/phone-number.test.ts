import { describe, expect, it } from 'vitest'
import { maskPhoneNumber, normalizePhoneNumber } from './phone-number.js'

const VALID: ReadonlyArray<readonly [string, string]> = [
  ['+12024561111', '+12024561111'],
  ['+1 202-456-1111', '+12024561111'],
  ['+1 (202) 456-1111', '+12024561111'],
  ['  +1.202.456.1111 \n', '+12024561111'],
  ['+44 20 7946 0958', '+442079460958'],
  ['+44 (0)20 7946 0958', '+442079460958'],
  ['+49 30 901820', '+4930901820'],
  ['+33 6 12 34 56 78', '+33612345678'],
  ['+81 3-1234-5678', '+81312345678'],
]

describe('normalizePhoneNumber', () => {
  it.each(VALID)('normalises %j to E.164 %s', (raw, e164) => {
    expect(normalizePhoneNumber(raw)).toBe(e164)
  })

  it.each(['(202) 456-1111', '202-456-1111', '2024561111', '020 7946 0958', '0044 20 7946 0958', '001 202 456 1111'])(
    'refuses the national or 00-prefixed form %j: no country is guessed',
    (raw) => {
      expect(normalizePhoneNumber(raw)).toBeUndefined()
    },
  )

  it.each([
    '',
    '   ',
    '+',
    '+1 123',
    '+44 20 7946 095',
    '+999 1234567',
    '+1 202 456 1111 1111 1111',
    '+1 800 FLOWERS',
    'ada@example.com',
  ])('refuses the invalid number %j', (raw) => {
    expect(normalizePhoneNumber(raw)).toBeUndefined()
  })

  it('refuses huge strings, even when they start with a valid number', () => {
    expect(normalizePhoneNumber(`+${'1'.repeat(100_000)}`)).toBeUndefined()
    expect(normalizePhoneNumber(`+12024561111${' '.repeat(40)}x`)).toBeUndefined()
    expect(normalizePhoneNumber(`+1 202 456 1111${'-'.repeat(40)}`)).toBeUndefined()
  })
})

describe('maskPhoneNumber', () => {
  it.each(VALID.map(([, e164]) => e164))('hides the middle of %s', (e164) => {
    const masked = maskPhoneNumber(e164)
    expect(masked).not.toBe(e164)
    expect(masked).not.toContain(e164)
    expect(masked).not.toContain(e164.slice(1))
    expect(masked).toHaveLength(e164.length)
    expect(masked.slice(0, 3)).toBe(e164.slice(0, 3))
    expect(masked.slice(-2)).toBe(e164.slice(-2))
    // At most four digits remain visible: the country prefix part and the last two.
    expect(masked.replace(/\D/g, '').length).toBeLessThanOrEqual(4)
  })

  it('masks the shortest numbers too', () => {
    const e164 = normalizePhoneNumber('+683 4002')
    expect(e164).toBe('+6834002')
    const masked = maskPhoneNumber(e164 ?? '')
    expect(masked).not.toContain('6834002')
    expect(masked).toMatch(/\*/)
    expect(maskPhoneNumber('+12345')).toBe('+1****')
  })
})

describe('maskPhoneNumber on a number as typed', () => {
  it('keeps the same ends of a formatted number, so a preset shown before sending reads like the answers', () => {
    expect(maskPhoneNumber('+1 415 555 2671')).toBe('+1 **********71')
  })
})
