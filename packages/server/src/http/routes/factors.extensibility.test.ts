import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'
import { constantTimeEqual } from '../../crypto/secrets.js'
import { AppError } from '../../errors/app-error.js'
import { defineVerifier } from '../../verifiers/verifier.js'

// A verification type that exists only in this test, registered the way a new built-in type
// would be (one object implementing Verifier), proves the interface is all a type needs.

/** A 4-digit PIN the user chooses (sent in the bind body's `password` field), checked by comparison. */
const pinVerifier = defineVerifier({
  type: 'pin',
  async bind(request) {
    if (request.password === undefined || !/^\d{4}$/.test(request.password)) {
      throw new AppError('invalid_request', { message: 'A PIN is four digits.' })
    }
    return {
      status: 'active',
      label: 'kiosk PIN',
      material: JSON.stringify({ pin: request.password }),
      reveal: { digits: 4 },
      replacesOthers: true,
    }
  },
  challenge: () => ({ ttlSeconds: 120, maxAttempts: 3 }),
  async check(attempt) {
    if (!attempt.factor?.material) throw new Error('pin check without a factor')
    const { pin } = JSON.parse(attempt.factor.material) as { pin: string }
    return constantTimeEqual(attempt.answer, pin) ? { ok: true } : { ok: false, reason: 'mismatch' }
  },
})

let t: TestApp
let key: string
let appId: string

beforeEach(async () => {
  t = await createTestApp({ extraVerifiers: [pinVerifier] })
  ;({ key, appId } = await t.createApp({
    factor_lockout: { max_failures: 4, base_delay_seconds: 60, max_delay_seconds: 600 },
  }))
})
afterEach(async () => {
  await t.close()
})

const USER = 'u_ada'
const bind = (body: Record<string, unknown>, k = key) =>
  t.request('POST', `/v1/users/${USER}/factors`, { key: k, body })
const challenge = (body: Record<string, unknown>, k = key) =>
  t.request('POST', `/v1/users/${USER}/challenges`, { key: k, body })
const verify = (verificationId: string, code: string, k = key) =>
  t.request('POST', '/v1/verifications/verify', {
    key: k,
    body: { verification_id: verificationId, verification_code: code },
  })

describe('a verification type registered from outside (extraVerifiers)', () => {
  it('binds, is challenged in a custom scene and verified into a token of that scene for the user', async () => {
    const bound = await bind({ type: 'pin', password: '4711' })
    expect(bound.statusCode).toBe(201)
    expect(bound.json()).toMatchObject({ type: 'pin', status: 'active', label: 'kiosk PIN', to: null, digits: 4 })
    expect(bound.body).not.toContain('4711')

    const started = await challenge({ scene: 'kiosk-unlock', type: 'pin' })
    expect(started.statusCode).toBe(201)
    expect(started.json()).toMatchObject({
      type: 'pin',
      scene: 'kiosk-unlock',
      factor_id: bound.json().factor_id,
      expires_in: 120,
      attempts_remaining: 3,
      to: null,
    })

    const wrong = await verify(started.json().verification_id, '0000')
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json()).toMatchObject({ error: 'invalid_verification_code', attempts_remaining: 2 })

    const ok = await verify(started.json().verification_id, '4711')
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ status: 'approved', scene: 'kiosk-unlock', factor_id: bound.json().factor_id })
    const facts = await t.request('POST', '/v1/tokens/verify', {
      key,
      body: { verification_token: ok.json().verification_token, scene: 'kiosk-unlock' },
    })
    expect(facts.json()).toMatchObject({ active: true, channel: 'pin', user_id: USER, scene: 'kiosk-unlock' })

    const listed = (await t.request('GET', `/v1/users/${USER}/factors`, { key })).json().factors
    expect(listed).toMatchObject([{ type: 'pin', status: 'active', label: 'kiosk PIN' }])
    expect(listed[0].last_used_at).not.toBeNull()
  })

  it('the type’s own validation answers through the contract (4000)', async () => {
    const res = await bind({ type: 'pin', password: '12ab' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      error: 'invalid_request',
      error_code: 4000,
      error_description: 'A PIN is four digits.',
    })
  })

  it('scenes can name it: a configured scene allows it, built-in scenes that do not list it refuse it', async () => {
    const other = await t.createApp({ scenes: { kiosk: { allowed_types: ['pin'], token_ttl_seconds: 30 } } })
    expect((await bind({ type: 'pin', password: '2580' }, other.key)).statusCode).toBe(201)
    expect((await bind({ type: 'password', password: 'correct horse battery' }, other.key)).statusCode).toBe(201)

    const started = await challenge({ scene: 'kiosk', type: 'pin' }, other.key)
    expect(started.statusCode).toBe(201)
    expect((await verify(started.json().verification_id, '2580', other.key)).json()).toMatchObject({ expires_in: 30 })
    expect((await challenge({ scene: 'kiosk', type: 'password' }, other.key)).statusCode).toBe(403)
    const login = await challenge({ scene: 'login', type: 'pin' }, other.key)
    expect(login.statusCode).toBe(403)
    expect(login.json().error).toBe('factor_not_allowed')
  })

  it('gets the core’s lockout and single-factor replacement without writing any of it', async () => {
    const first = (await bind({ type: 'pin', password: '1111' })).json().factor_id
    const second = (await bind({ type: 'pin', password: '2222' })).json().factor_id
    const factors = (await t.request('GET', `/v1/users/${USER}/factors`, { key })).json().factors
    expect(factors.map((f: { factor_id: string }) => f.factor_id)).toEqual([second])
    expect(first).not.toBe(second)

    const a = (await challenge({ scene: 'kiosk-unlock', type: 'pin' })).json().verification_id
    for (const guess of ['0000', '1111']) expect((await verify(a, guess)).statusCode).toBe(400)
    const b = (await challenge({ scene: 'kiosk-unlock', type: 'pin' })).json().verification_id
    expect((await verify(b, '3333')).statusCode).toBe(400)
    const locking = await verify(b, '4444')
    expect(locking.statusCode).toBe(423)
    expect(locking.json()).toMatchObject({ error: 'factor_locked', retry_after: 60 })
    expect((await verify(b, '2222')).statusCode).toBe(423)
    t.clock.advanceSeconds(60)
    expect((await verify(b, '2222')).statusCode).toBe(200)

    const events = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=factor.locked`, { key: TEST_ADMIN_KEY })
    expect(events.json().events).toHaveLength(1)
  })

  it('its material is sealed at rest like every type’s', async () => {
    const factorId = (await bind({ type: 'pin', password: '8642' })).json().factor_id
    const row = await t.tessera.store.factors.findById(appId, factorId)
    expect(row?.material).toBeTruthy()
    expect(row?.material).not.toContain('8642')
  })

  it('an app without the type registered refuses it as an unknown type (4000)', async () => {
    const plain = await createTestApp()
    try {
      const { key: plainKey } = await plain.createApp()
      const res = await plain.request('POST', `/v1/users/${USER}/factors`, {
        key: plainKey,
        body: { type: 'pin', password: '1234' },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json().error_code).toBe(4000)
    } finally {
      await plain.close()
    }
  })
})
