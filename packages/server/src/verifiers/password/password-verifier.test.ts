import { hash, verify } from '@node-rs/argon2'
import { describe, expect, it } from 'vitest'
import { defaultAppSettings } from '../../settings/resolve-settings.js'
import type { CheckContext, Verifier, VerifierContext } from '../verifier.js'
import {
  ARGON2_PARAMETERS,
  DECOY_ARGON2ID_HASH,
  needsRehash,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordVerifier as passwordType,
} from './password-verifier.js'

/** Through the interface, as the core calls it. */
const passwordVerifier: Verifier = passwordType

const ctx: VerifierContext = {
  settings: defaultAppSettings(),
  appName: 'Acme',
  nowMs: Date.parse('2026-01-01T00:00:00Z'),
}

/** The password type needs none of the atomic operations: calling one is a bug. */
const checkCtx: CheckContext = {
  ...ctx,
  hashCode: () => {
    throw new Error('unexpected hashCode')
  },
  hashFactorCode: () => {
    throw new Error('unexpected hashFactorCode')
  },
  claimCounter: () => Promise.reject(new Error('unexpected claimCounter')),
  consumeCode: () => Promise.reject(new Error('unexpected consumeCode')),
  countUnusedCodes: () => Promise.reject(new Error('unexpected countUnusedCodes')),
  pseudonymOf: () => {
    throw new Error('unexpected pseudonymOf')
  },
}

const CURRENT_PHC = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/

async function bind(password: string | undefined) {
  return passwordVerifier.bind({ userId: 'u_1', fields: password === undefined ? {} : { password } }, ctx)
}

function storedHash(material: string | undefined): string {
  if (material === undefined) throw new Error('no material')
  return (JSON.parse(material) as { hash: string }).hash
}

function check(answer: string, material: string) {
  return passwordVerifier.check(
    { answer, verificationId: 'ver_test', codeHash: '', factor: { id: 'fac_test', material } },
    checkCtx,
  )
}

describe('password verifier: bind', () => {
  it('uses OWASP’s argon2id parameters (19 MiB, 2 passes, 1 lane)', () => {
    expect(ARGON2_PARAMETERS).toMatchObject({ algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 })
    expect([PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH]).toEqual([8, 256])
  })

  it('is active at once and stores an argon2id PHC string with m=19456,t=2,p=1, never the password', async () => {
    const result = await bind('correct horse battery staple')
    expect(result.status).toBe('active')
    expect(result.replacesOthers).toBe(true)
    expect(result.reveal).toBeUndefined()
    expect(result.material).not.toContain('correct horse')
    const phc = storedHash(result.material)
    expect(phc).toMatch(CURRENT_PHC)
    expect(needsRehash(phc)).toBe(false)
    expect(await verify(phc, 'correct horse battery staple')).toBe(true)
  })

  it('salts: the same password twice gives two different hashes', async () => {
    const a = storedHash((await bind('same password')).material)
    const b = storedHash((await bind('same password')).material)
    expect(a).not.toBe(b)
  })

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['7 characters', '1234567'],
    ['257 characters', 'x'.repeat(257)],
    // Seven emoji are 14 UTF-16 units but 7 characters: still too short.
    ['7 code points of 2 UTF-16 units each', '😀😀😀😀😀😀😀'],
    ['257 code points of 2 UTF-16 units each', '😀'.repeat(257)],
  ])('refuses a %s password with invalid_request', async (_name, password) => {
    await expect(bind(password)).rejects.toMatchObject({ code: 'invalid_request' })
  })

  it.each([
    ['8 characters', '12345678'],
    ['256 characters', 'y'.repeat(256)],
    // 8 code points, 16 UTF-16 units; 256 code points, 512 units: lengths count characters.
    ['8 astral code points', '😀'.repeat(8)],
    ['256 astral code points', '😀'.repeat(256)],
  ])('accepts a %s password', async (_name, password) => {
    const result = await bind(password)
    expect(result.status).toBe('active')
    expect((await check(password, result.material ?? '')).ok).toBe(true)
  })
})

describe('password verifier: check', () => {
  it('answers ok for the right password (no new material) and mismatch otherwise', async () => {
    const { material } = await bind('correct horse battery staple')
    if (material === undefined) throw new Error('no material')
    expect(await check('correct horse battery staple', material)).toEqual({ ok: true })
    expect(await check('correct horse battery stapl', material)).toEqual({ ok: false, reason: 'mismatch' })
    expect(await check('Correct horse battery staple', material)).toEqual({ ok: false, reason: 'mismatch' })
    expect(await check('', material)).toEqual({ ok: false, reason: 'mismatch' })
    expect(await check('x'.repeat(300), material)).toEqual({ ok: false, reason: 'mismatch' })
  })

  it('compares NFKC-normalised text: a composed and a decomposed "é" are the same password', async () => {
    const composed = 'caf\u00e9-au-lait'
    const decomposed = 'cafe\u0301-au-lait'
    const { material } = await bind(composed)
    expect((await check(decomposed, material ?? '')).ok).toBe(true)
  })

  it('a password bind accepted is one check accepts, also when NFKC makes it longer than 256', async () => {
    // "ﬃ" (one code point) normalises to "ffi" (three): 100 at bind, 300 after NFKC.
    const password = '\ufb03'.repeat(100)
    expect([...password.normalize('NFKC')].length).toBe(300)
    const { material } = await bind(password)
    expect((await check(password, material ?? '')).ok).toBe(true)
  })

  it('throws (a programming error) without a factor', async () => {
    await expect(passwordVerifier.check({ answer: 'x', verificationId: 'v', codeHash: '' }, checkCtx)).rejects.toThrow()
  })
})

describe('password verifier: rehash on parameter change', () => {
  it('needsRehash is true for hashes made with other parameters or another algorithm', async () => {
    expect(needsRehash(await hash('old password', { ...ARGON2_PARAMETERS, memoryCost: 8192 }))).toBe(true)
    expect(needsRehash(await hash('old password', { ...ARGON2_PARAMETERS, timeCost: 3 }))).toBe(true)
    // argon2i (algorithm 1) with today's costs is still another algorithm.
    expect(
      needsRehash(
        await hash('old password', { ...ARGON2_PARAMETERS, algorithm: 1 as typeof ARGON2_PARAMETERS.algorithm }),
      ),
    ).toBe(true)
    expect(needsRehash(await hash('old password', ARGON2_PARAMETERS))).toBe(false)
  })

  it('a successful check of an old hash answers new material with today’s parameters; a failed one answers none', async () => {
    const old = await hash('old password', { ...ARGON2_PARAMETERS, memoryCost: 8192 })
    expect(old).toMatch(/^\$argon2id\$v=19\$m=8192,t=2,p=1\$/)
    const material = JSON.stringify({ hash: old })

    expect(await check('wrong password', material)).toEqual({ ok: false, reason: 'mismatch' })

    const outcome = await check('old password', material)
    expect(outcome.ok).toBe(true)
    if (!outcome.ok) return
    const rehashed = storedHash(outcome.material)
    expect(rehashed).toMatch(CURRENT_PHC)
    expect(await verify(rehashed, 'old password')).toBe(true)
    // The new material checks without another rehash.
    expect(await check('old password', outcome.material ?? '')).toEqual({ ok: true })
  })

  it('checks a decoy’s answer against an argon2id hash with today’s parameters that no answer matches', async () => {
    expect(DECOY_ARGON2ID_HASH).toMatch(CURRENT_PHC)
    expect(needsRehash(DECOY_ARGON2ID_HASH)).toBe(false)
    for (const answer of ['', 'password', 'correct horse battery staple', '12345678']) {
      expect(await verify(DECOY_ARGON2ID_HASH, answer)).toBe(false)
    }
    await expect(passwordVerifier.judgeDecoy?.('correct horse battery staple')).resolves.toBeUndefined()
  })
})
