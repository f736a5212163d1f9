import { hash } from '@node-rs/argon2'
import { TEST_SECRET } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'
import { decryptSecret, deriveServerKeys, encryptSecret } from '../../crypto/secrets.js'
import { ARGON2_PARAMETERS } from '../../verifiers/password/password-verifier.js'

// Password and backup-code factors over HTTP.

const USER = 'u_ada'
const PASSWORD = 'correct horse battery staple'
const BACKUP_CODE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{5}-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{5}$/

/** A step-up token from the user's password (bound first when the user has none): replacing a factor needs one. */
async function stepUpToken(api: TestApi, user = USER, password = PASSWORD): Promise<string> {
  if (!(await api.factors(user)).some((f) => f.type === 'password')) {
    expect((await api.bind(user, { type: 'password', password })).statusCode).toBe(201)
  }
  return api.stepUpWithPassword(user, password)
}

describe('password factor', () => {
  it('binds active at once, shows nothing secret, and a step-up challenge with the right password answers a token', async ({
    t,
    api,
  }) => {
    const bound = await api.bind(USER, { type: 'password', password: PASSWORD })
    expect(bound.statusCode).toBe(201)
    expect(bound.json()).toMatchObject({ type: 'password', status: 'active', user_id: USER, to: null })
    expect(bound.json().verification_id).toBeUndefined()
    expect(bound.body).not.toContain(PASSWORD)
    expect(bound.body).not.toContain('argon2')

    const started = await api.challenge(USER, { scene: 'step-up', type: 'password' })
    expect(started.statusCode).toBe(201)
    expect(started.json()).toMatchObject({
      type: 'password',
      scene: 'step-up',
      factor_id: bound.json().factor_id,
      to: null,
    })
    expect(t.capture.messages).toHaveLength(0)

    const res = await api.verify(started.json().verification_id, PASSWORD)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'approved', scene: 'step-up', factor_id: bound.json().factor_id })
    const facts = await api.introspect(res.json().verification_token, { scene: 'step-up' })
    expect(facts.json()).toMatchObject({ active: true, user_id: USER, scene: 'step-up', channel: 'password' })
  })

  it('a wrong password answers 4001 with attempts_remaining; the right one still works afterwards', async ({ api }) => {
    await api.bind(USER, { type: 'password', password: PASSWORD })
    const id = await api.challengeOk(USER, { scene: 'step-up', type: 'password' })
    const wrong = await api.verify(id, 'correct horse battery stapler')
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json()).toMatchObject({ error: 'invalid_verification_code', error_code: 4001, attempts_remaining: 4 })
    expect((await api.verify(id, 'Correct horse battery staple')).json().attempts_remaining).toBe(3)
    expect((await api.verify(id, PASSWORD)).statusCode).toBe(200)
    // Approved: the verification takes no more answers.
    expect((await api.verify(id, PASSWORD)).statusCode).toBe(409)
  })

  it('the last allowed wrong password locks the challenge (4006)', async ({ api }) => {
    await api.bind(USER, { type: 'password', password: PASSWORD })
    const id = await api.challengeOk(USER, { scene: 'step-up', type: 'password' })
    for (let i = 0; i < 4; i++) expect((await api.verify(id, `wrong-${i}-password`)).statusCode).toBe(400)
    const last = await api.verify(id, 'wrong-last-password')
    expect(last.statusCode).toBe(429)
    expect(last.json()).toMatchObject({ error: 'max_attempts_reached', error_code: 4006, attempts_remaining: 0 })
    expect((await api.verify(id, PASSWORD)).statusCode).toBe(429)
  })

  it.for([
    ['7 characters', 'abcdefg'],
    ['257 characters', 'p'.repeat(257)],
  ])('refuses a password of %s with 4000 and binds nothing', async ([_name, password], { api }) => {
    const res = await api.bind(USER, { type: 'password', password })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request', error_code: 4000 })
    expect(await api.factors(USER)).toEqual([])
  })

  it('refuses a password bind without a password (4000)', async ({ api }) => {
    const res = await api.bind(USER, { type: 'password' })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_code).toBe(4000)
  })

  it('a 256-character password (the longest bind accepts) can be checked', async ({ api }) => {
    const password = 'p'.repeat(256)
    expect((await api.bind(USER, { type: 'password', password })).statusCode).toBe(201)
    const id = await api.challengeOk(USER, { scene: 'step-up', type: 'password' })
    expect((await api.verify(id, 'p'.repeat(255))).statusCode).toBe(400)
    expect((await api.verify(id, password)).statusCode).toBe(200)
  })

  it('spaces around a password are part of it, not trimmed away', async ({ api }) => {
    const password = '  spaced out passphrase  '
    expect((await api.bind(USER, { type: 'password', password })).statusCode).toBe(201)
    const id = await api.challengeOk(USER, { scene: 'step-up', type: 'password' })
    expect((await api.verify(id, password.trim())).statusCode).toBe(400)
    expect((await api.verify(id, password)).statusCode).toBe(200)
  })

  it('the factor’s material is sealed at rest: no password, no PHC string in the row', async ({ t, api, app }) => {
    const factorId = (await api.bind(USER, { type: 'password', password: PASSWORD })).json().factor_id
    const row = await t.tessera.store.factors.findById(app.appId, factorId)
    expect(row?.material).toBeTruthy()
    expect(row?.material).not.toContain(PASSWORD)
    expect(row?.material).not.toContain('argon2')
    const opened = JSON.parse(decryptSecret(deriveServerKeys(TEST_SECRET), row?.material ?? '')) as { hash: string }
    expect(opened.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
  })

  it('a hash made with older parameters is replaced by one with today’s on the next successful check', async ({
    t,
    api,
    app,
  }) => {
    const factorId = (await api.bind(USER, { type: 'password', password: PASSWORD })).json().factor_id
    // Stand-in for a hash stored before the parameters changed.
    const keys = deriveServerKeys(TEST_SECRET)
    const old = await hash(PASSWORD, { ...ARGON2_PARAMETERS, memoryCost: 8192 })
    await t.tessera.store.factors.recordSuccess(
      factorId,
      t.clock.nowMs(),
      0,
      encryptSecret(keys, JSON.stringify({ hash: old })),
    )
    const stored = async () =>
      (
        JSON.parse(
          decryptSecret(keys, (await t.tessera.store.factors.findById(app.appId, factorId))?.material ?? ''),
        ) as {
          hash: string
        }
      ).hash

    // A failed check leaves the old hash alone.
    expect(
      (await api.verify(await api.challengeOk(USER, { scene: 'step-up', type: 'password' }), 'not the password'))
        .statusCode,
    ).toBe(400)
    expect(await stored()).toBe(old)

    expect(
      (await api.verify(await api.challengeOk(USER, { scene: 'step-up', type: 'password' }), PASSWORD)).statusCode,
    ).toBe(200)
    const rehashed = await stored()
    expect(rehashed).not.toBe(old)
    expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    // And the password still checks against the new hash.
    expect(
      (await api.verify(await api.challengeOk(USER, { scene: 'step-up', type: 'password' }), PASSWORD)).statusCode,
    ).toBe(200)
  })

  it('binding a new password replaces the old one', async ({ api }) => {
    const first = (await api.bind(USER, { type: 'password', password: PASSWORD })).json()
    const second = (
      await api.bind(USER, { type: 'password', password: 'a brand new passphrase' }, await stepUpToken(api))
    ).json()
    const factors = await api.factors(USER)
    expect(factors.map((f) => f.factor_id)).toEqual([second.factor_id])
    expect(factors.map((f) => f.factor_id)).not.toContain(first.factor_id)
    const id = await api.challengeOk(USER, { scene: 'step-up', type: 'password' })
    expect((await api.verify(id, PASSWORD)).statusCode).toBe(400)
    expect((await api.verify(id, 'a brand new passphrase')).statusCode).toBe(200)
  })

  it('binding several passwords at once leaves exactly one, whose password checks', async ({ api }) => {
    await api.bind(USER, { type: 'password', password: PASSWORD })
    const passwords = Array.from({ length: 4 }, (_, i) => `parallel passphrase ${i}`)
    const tokens: string[] = []
    for (const _ of passwords) tokens.push(await stepUpToken(api))
    const results = await Promise.all(
      passwords.map((password, i) => api.bind(USER, { type: 'password', password }, tokens[i])),
    )
    for (const res of results) expect([201, 429]).toContain(res.statusCode)
    const factors = await api.factors(USER)
    expect(factors).toHaveLength(1)
    const index = results.findIndex((r) => r.statusCode === 201 && r.json().factor_id === factors[0]?.factor_id)
    expect(index).toBeGreaterThanOrEqual(0)
    const id = await api.challengeOk(USER, { scene: 'step-up', type: 'password' })
    expect((await api.verify(id, PASSWORD)).statusCode).toBe(400)
    expect((await api.verify(id, passwords[index] ?? '')).statusCode).toBe(200)
  })

  it('is not allowed where only possession proves (2fa allows no password by default)', async ({ api }) => {
    await api.bind(USER, { type: 'password', password: PASSWORD })
    const res = await api.challenge(USER, { scene: '2fa', type: 'password' })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ error: 'factor_not_allowed', error_code: 4031 })
  })
})

describe('backup codes', () => {
  async function bindCodes(api: TestApi, user = USER, stepUp?: string): Promise<{ factorId: string; codes: string[] }> {
    const res = await api.bind(user, { type: 'backup-code' }, stepUp)
    expect(res.statusCode).toBe(201)
    return { factorId: res.json().factor_id, codes: res.json().codes }
  }

  it('binding answers ten distinct codes of ten unambiguous characters, shown as XXXXX-XXXXX, active at once', async ({
    t,
    api,
  }) => {
    const res = await api.bind(USER, { type: 'backup-code' })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body).toMatchObject({ type: 'backup-code', status: 'active', backup_codes_remaining: 10 })
    expect(body.codes).toHaveLength(10)
    for (const code of body.codes) {
      expect(code).toMatch(BACKUP_CODE)
      // No 0/O, 1/I/L: nothing a person could misread.
      expect(code).not.toMatch(/[01OIL]/)
    }
    expect(new Set(body.codes).size).toBe(10)
    // Shown once: the list never repeats them.
    const listed = await t.request('GET', `/v1/users/${USER}/factors`, { key: api.key })
    for (const code of body.codes) {
      expect(listed.body).not.toContain(code)
      expect(listed.body).not.toContain(code.replace('-', ''))
    }
  })

  it('one code checks once, answering backup_codes_remaining; the same code fails on a later challenge', async ({
    api,
  }) => {
    const { factorId, codes } = await bindCodes(api)
    const [first = '', second = ''] = codes
    const id = await api.challengeOk(USER, { scene: '2fa', type: 'backup-code' })
    const ok = await api.verify(id, first)
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({
      status: 'approved',
      scene: '2fa',
      factor_id: factorId,
      backup_codes_remaining: 9,
    })
    expect(typeof ok.json().verification_token).toBe('string')

    const later = await api.challengeOk(USER, { scene: '2fa', type: 'backup-code' })
    const reused = await api.verify(later, first)
    expect(reused.statusCode).toBe(400)
    expect(reused.json()).toMatchObject({ error: 'invalid_verification_code', attempts_remaining: 4 })

    // Typed without the dash and in lower case, another code works.
    const typed = await api.verify(later, second.replace('-', '').toLowerCase())
    expect(typed.statusCode).toBe(200)
    expect(typed.json().backup_codes_remaining).toBe(8)

    const listed = (await api.factors(USER)).find((f) => f.factor_id === factorId)
    expect(listed).toMatchObject({ type: 'backup-code', status: 'active', backup_codes_remaining: 8 })
  })

  it('one code sent to 10 open challenges at once succeeds exactly once', async ({ api }) => {
    const { codes } = await bindCodes(api)
    const ids: string[] = []
    for (let i = 0; i < 10; i++) ids.push(await api.challengeOk(USER, { scene: 'step-up', type: 'backup-code' }))
    const results = await Promise.all(ids.map((id) => api.verify(id, codes[3] ?? '')))
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1)
    for (const res of results.filter((r) => r.statusCode !== 200)) {
      expect([400, 423]).toContain(res.statusCode)
    }
    expect((await api.factors(USER))[0]?.backup_codes_remaining).toBe(9)
  })

  it('binding again replaces the set: old codes fail, new codes work', async ({ api }) => {
    const old = await bindCodes(api)
    const fresh = await bindCodes(api, USER, await stepUpToken(api))
    expect(fresh.codes.some((code) => old.codes.includes(code))).toBe(false)
    const factors = (await api.factors(USER)).filter((f) => f.type === 'backup-code')
    expect(factors).toHaveLength(1)
    expect(factors[0]).toMatchObject({ factor_id: fresh.factorId, backup_codes_remaining: 10 })

    const id = await api.challengeOk(USER, { scene: '2fa', type: 'backup-code' })
    for (const code of old.codes.slice(0, 3)) expect((await api.verify(id, code)).statusCode).toBe(400)
    const ok = await api.verify(id, fresh.codes[0] ?? '')
    expect(ok.statusCode).toBe(200)
    expect(ok.json().backup_codes_remaining).toBe(9)
  })

  it('regenerating several times at once leaves exactly one set: one of those shown, and its codes work', async ({
    api,
  }) => {
    const old = await bindCodes(api)
    const tokens: string[] = []
    for (let i = 0; i < 5; i++) tokens.push(await stepUpToken(api))
    const results = await Promise.all(tokens.map((token) => api.bind(USER, { type: 'backup-code' }, token)))
    // Each answers its codes, or — replaced by a newer one at the same moment — 429 with retry_after.
    for (const res of results) {
      expect([201, 429]).toContain(res.statusCode)
      if (res.statusCode === 429) expect(res.json()).toMatchObject({ error: 'rate_limited', retry_after: 1 })
    }
    const factors = (await api.factors(USER)).filter((f) => f.type === 'backup-code')
    expect(factors).toHaveLength(1)
    expect(factors[0]?.factor_id).not.toBe(old.factorId)
    const kept = results.find((r) => r.statusCode === 201 && r.json().factor_id === factors[0]?.factor_id)
    expect(kept).toBeDefined()
    const id = await api.challengeOk(USER, { scene: '2fa', type: 'backup-code' })
    expect((await api.verify(id, kept?.json().codes[0])).statusCode).toBe(200)
  })

  it('a challenge opened on the old set cannot be answered once the set is replaced', async ({ api }) => {
    const old = await bindCodes(api)
    const id = await api.challengeOk(USER, { scene: '2fa', factor_id: old.factorId })
    await bindCodes(api, USER, await stepUpToken(api))
    const res = await api.verify(id, old.codes[0] ?? '')
    expect(res.statusCode).toBe(404)
    expect(res.json().error).toBe('factor_not_found')
  })

  it('all ten used: the count is 0 and no code is left', async ({ api }) => {
    const { codes } = await bindCodes(api)
    let remaining = 10
    for (const code of codes) {
      const res = await api.verify(await api.challengeOk(USER, { scene: 'step-up', type: 'backup-code' }), code)
      expect(res.statusCode).toBe(200)
      remaining--
      expect(res.json().backup_codes_remaining).toBe(remaining)
    }
    expect((await api.factors(USER))[0]?.backup_codes_remaining).toBe(0)
  })

  it('a wrong-length or made-up code fails without using any code', async ({ api }) => {
    const { codes } = await bindCodes(api)
    const id = await api.challengeOk(USER, { scene: '2fa', type: 'backup-code' })
    expect((await api.verify(id, 'ABCDE')).statusCode).toBe(400)
    const madeUp = ['AAAAA-AAAAA', 'ZZZZZ-ZZZZZ'].find((c) => !codes.includes(c)) ?? ''
    expect((await api.verify(id, madeUp)).statusCode).toBe(400)
    expect((await api.factors(USER))[0]?.backup_codes_remaining).toBe(10)
  })

  it('codes are per user: another user’s code fails', async ({ api }) => {
    const ada = await bindCodes(api, 'u_ada')
    await bindCodes(api, 'u_bob')
    const id = await api.challengeOk('u_bob', { scene: '2fa', type: 'backup-code' })
    expect((await api.verify(id, ada.codes[0] ?? '')).statusCode).toBe(400)
  })
})
