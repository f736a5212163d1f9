import { HOTP, Secret } from 'otpauth'
import { describe, expect, it } from 'vitest'
import {
  generateTotp,
  generateTotpSecret,
  matchTotpStep,
  parseBase32Secret,
  type TotpParameters,
  totpUri,
} from './totp.js'

/** The base32 form of an ASCII seed, as the RFCs' reference code uses raw bytes. */
const base32Of = (ascii: string) => Secret.fromLatin1(ascii).base32

const RFC4226_SEED = '12345678901234567890'

// RFC 4226 Appendix D: HOTP(K, C) for C = 0…9, 6 digits, HMAC-SHA-1.
const RFC4226_HOTP = [
  '755224',
  '287082',
  '359152',
  '969429',
  '338314',
  '254676',
  '287922',
  '162583',
  '399871',
  '520489',
]

// RFC 6238 Appendix B: the seeds are the ASCII digits repeated to the hash's output size.
const RFC6238_SEEDS = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
} as const

// RFC 6238 Appendix B, 8 digits, 30-second steps, T0 = 0.
const RFC6238_VECTORS: Array<[seconds: number, algorithm: keyof typeof RFC6238_SEEDS, code: string]> = [
  [59, 'SHA1', '94287082'],
  [59, 'SHA256', '46119246'],
  [59, 'SHA512', '90693936'],
  [1111111109, 'SHA1', '07081804'],
  [1111111109, 'SHA256', '68084774'],
  [1111111109, 'SHA512', '25091201'],
  [1111111111, 'SHA1', '14050471'],
  [1111111111, 'SHA256', '67062674'],
  [1111111111, 'SHA512', '99943326'],
  [1234567890, 'SHA1', '89005924'],
  [1234567890, 'SHA256', '91819424'],
  [1234567890, 'SHA512', '93441116'],
  [2000000000, 'SHA1', '69279037'],
  [2000000000, 'SHA256', '90698825'],
  [2000000000, 'SHA512', '38618901'],
  [20000000000, 'SHA1', '65353130'],
  [20000000000, 'SHA256', '77737706'],
  [20000000000, 'SHA512', '47863826'],
]

function rfc6238Params(algorithm: keyof typeof RFC6238_SEEDS): TotpParameters {
  return { secret: base32Of(RFC6238_SEEDS[algorithm]), algorithm, digits: 8, period: 30 }
}

describe('RFC 4226 Appendix D (HOTP)', () => {
  it('the seed’s base32 form is the one the RFC’s test secret has', () => {
    expect(base32Of(RFC4226_SEED)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')
  })

  it.each(RFC4226_HOTP.map((code, counter) => [counter, code] as const))('counter %i → %s', (counter, code) => {
    // otpauth's HOTP directly, as an independent reference for the same key.
    expect(
      new HOTP({ secret: Secret.fromLatin1(RFC4226_SEED), digits: 6, algorithm: 'SHA1' }).generate({ counter }),
    ).toBe(code)
    // Our code: a TOTP is an HOTP of floor(t / period), so the start of step `counter` gives HOTP(counter).
    const params: TotpParameters = { secret: base32Of(RFC4226_SEED), algorithm: 'SHA1', digits: 6, period: 30 }
    const atMs = counter * 30_000
    expect(generateTotp(params, atMs)).toBe(code)
    expect(generateTotp(params, atMs + 29_999)).toBe(code)
    expect(matchTotpStep(params, code, atMs, 0)).toBe(counter)
  })
})

describe('RFC 6238 Appendix B (TOTP)', () => {
  it.each(RFC6238_VECTORS)('t = %i, %s → %s', (seconds, algorithm, code) => {
    const params = rfc6238Params(algorithm)
    const atMs = seconds * 1000
    expect(generateTotp(params, atMs)).toBe(code)
    expect(matchTotpStep(params, code, atMs, 0)).toBe(Math.floor(seconds / 30))
    expect(matchTotpStep(params, code, atMs, 1)).toBe(Math.floor(seconds / 30))
  })

  it('the published steps are the ones the RFC lists (T = 0x1, 0x23523EC, …)', () => {
    expect([59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000].map((s) => Math.floor(s / 30))).toEqual([
      0x1, 0x23523ec, 0x23523ed, 0x273ef07, 0x3f940aa, 0x27bc86aa,
    ])
  })

  it('a code of one algorithm does not check under another', () => {
    // Same time, same 8 digits: only the algorithm (and its seed) differ.
    expect(matchTotpStep(rfc6238Params('SHA256'), '94287082', 59_000, 1)).toBeUndefined()
    expect(matchTotpStep({ ...rfc6238Params('SHA1'), algorithm: 'SHA512' }, '94287082', 59_000, 1)).toBeUndefined()
  })
})

describe('matchTotpStep', () => {
  const params: TotpParameters = { secret: base32Of(RFC4226_SEED), algorithm: 'SHA1', digits: 6, period: 30 }
  const step = 1_000_000
  const stepStartMs = step * 30_000
  const code = generateTotp(params, stepStartMs)

  it('answers the code’s own step, not the current one, within the window', () => {
    expect(matchTotpStep(params, code, stepStartMs, 1)).toBe(step)
    // A clock one step ahead or behind (authenticator drift) still accepts it, and names the code’s step.
    expect(matchTotpStep(params, code, stepStartMs + 30_000, 1)).toBe(step)
    expect(matchTotpStep(params, code, stepStartMs - 30_000, 1)).toBe(step)
  })

  it('refuses a code two steps away with window 1, and one step away with window 0', () => {
    expect(matchTotpStep(params, code, stepStartMs + 60_000, 1)).toBeUndefined()
    expect(matchTotpStep(params, code, stepStartMs - 60_000, 1)).toBeUndefined()
    expect(matchTotpStep(params, code, stepStartMs + 30_000, 0)).toBeUndefined()
    expect(matchTotpStep(params, code, stepStartMs - 30_000, 0)).toBeUndefined()
    // Window 2 reaches them.
    expect(matchTotpStep(params, code, stepStartMs + 60_000, 2)).toBe(step)
  })

  it('refuses a code of the wrong length or with anything but digits', () => {
    const eight: TotpParameters = { ...params, digits: 8 }
    const eightDigits = generateTotp(eight, stepStartMs)
    expect(eightDigits).toMatch(/^\d{8}$/)
    expect(matchTotpStep(eight, eightDigits, stepStartMs, 1)).toBe(step)
    // The six-digit code and the last six of the eight-digit one are the same truncation: still refused.
    expect(eightDigits.slice(2)).toBe(code)
    expect(matchTotpStep(eight, code, stepStartMs, 1)).toBeUndefined()
    expect(matchTotpStep(params, eightDigits, stepStartMs, 1)).toBeUndefined()
    expect(matchTotpStep(params, `${code}0`, stepStartMs, 1)).toBeUndefined()
    expect(matchTotpStep(params, code.slice(1), stepStartMs, 1)).toBeUndefined()
    expect(matchTotpStep(params, ` ${code}`, stepStartMs, 1)).toBeUndefined()
    expect(matchTotpStep(params, `${code.slice(0, 5)}a`, stepStartMs, 1)).toBeUndefined()
    expect(matchTotpStep(params, '', stepStartMs, 1)).toBeUndefined()
  })

  it('answers the newest step when two steps of the window share the code, so the right code is not a replay', () => {
    // Steps 1,300,575 and 1,300,576 of the RFC 4226 seed have the same six digits (found by search).
    const first = 1_300_575
    const shared = generateTotp(params, first * 30_000)
    expect(generateTotp(params, (first + 1) * 30_000)).toBe(shared)
    // Checked during the second step with the first already used: the code is the second step's.
    expect(matchTotpStep(params, shared, (first + 1) * 30_000, 1)).toBe(first + 1)
    expect(matchTotpStep(params, shared, first * 30_000, 1)).toBe(first + 1)
    expect(matchTotpStep(params, shared, (first + 2) * 30_000, 1)).toBe(first + 1)
    expect(matchTotpStep(params, shared, (first - 1) * 30_000, 1)).toBe(first)
  })

  it('refuses a code made with another secret', () => {
    const other: TotpParameters = { ...params, secret: generateTotpSecret() }
    const otherCode = generateTotp(other, stepStartMs)
    // Astronomically unlikely to collide, but a collision would make this test lie, so check first.
    const ours = [-1, 0, 1].map((d) => generateTotp(params, stepStartMs + d * 30_000))
    if (!ours.includes(otherCode)) expect(matchTotpStep(params, otherCode, stepStartMs, 1)).toBeUndefined()
  })
})

describe('generateTotpSecret', () => {
  it('makes 160-bit secrets in base32, different each time', () => {
    const secrets = new Set(Array.from({ length: 20 }, () => generateTotpSecret()))
    expect(secrets.size).toBe(20)
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Z2-7]{32}$/)
      expect(Secret.fromBase32(secret).bytes).toHaveLength(20)
    }
  })
})

describe('parseBase32Secret', () => {
  it('normalises case, spaces, dashes and padding', () => {
    expect(parseBase32Secret('gezd gnbv gy3t qojq gezd gnbv gy3t qojq')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')
    expect(parseBase32Secret('GEZD-GNBV-GY3T-QOJQ')).toBe('GEZDGNBVGY3TQOJQ')
    expect(parseBase32Secret('MFRGGZDFMZTWQ2LK======')).toBe('MFRGGZDFMZTWQ2LK')
    expect(parseBase32Secret('  JBSWY3DPEHPK3PXP  ')).toBe('JBSWY3DPEHPK3PXP')
  })

  it('refuses what is not base32', () => {
    // 0, 1, 8 and 9 are not in the RFC 4648 base32 alphabet.
    expect(parseBase32Secret('GEZDGNBVGY3TQOJ0')).toBeUndefined()
    expect(parseBase32Secret('GEZDGNBVGY3TQOJ1')).toBeUndefined()
    expect(parseBase32Secret('GEZDGNBVGY3TQOJ8')).toBeUndefined()
    expect(parseBase32Secret('GEZDGNBVGY3TQOJ!')).toBeUndefined()
    expect(parseBase32Secret('')).toBeUndefined()
  })

  it('refuses secrets under 80 bits (16 characters) or over 128 characters', () => {
    expect(parseBase32Secret('GEZDGNBVGY3TQOJ')).toBeUndefined()
    expect(parseBase32Secret('GEZDGNBVGY3TQOJQ')).toBe('GEZDGNBVGY3TQOJQ')
    expect(parseBase32Secret('A'.repeat(128))).toBe('A'.repeat(128))
    expect(parseBase32Secret('A'.repeat(129))).toBeUndefined()
  })
})

describe('totpUri', () => {
  it('is the standard otpauth://totp URI with issuer, label and parameters', () => {
    const params: TotpParameters = {
      secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
    }
    const uri = new URL(totpUri(params, 'Acme Corp', 'ada@example.com'))
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.host).toBe('totp')
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme Corp:ada@example.com')
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'Acme Corp',
      secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      algorithm: 'SHA256',
      digits: '8',
      period: '60',
    })
  })
})
