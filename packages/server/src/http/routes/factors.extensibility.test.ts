import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'
import { cardPinVerifier } from '../../verifiers/examples/card-pin/card-pin-verifier.js'

// docs/extending.md's example type (verifiers/examples/card-pin/), registered from outside the built-in list the
// way a new type would be: one object implementing Verifier. That it binds, is challenged, verifies into tokens,
// gets lockout, replacement and sealing, and shows up in the settings and the OpenAPI document without an edit
// anywhere else proves the interface is all a type needs.

let t: TestApp
let key: string
let appId: string

beforeEach(async () => {
  t = await createTestApp({ extraVerifiers: [cardPinVerifier] })
  ;({ key, appId } = await t.createApp({
    'card-pin': { digits: 4 },
    challenge: { ttl_seconds: 120, max_attempts: 3 },
    factor_lockout: { max_failures: 4, base_delay_seconds: 60, max_delay_seconds: 600 },
  }))
})
afterEach(async () => {
  await t.close()
})

const USER = 'u_ada'
const bind = (body: Record<string, unknown>, k = key, headers: Record<string, string> = {}) =>
  t.request('POST', `/v1/users/${USER}/factors`, { key: k, body, headers })
const challenge = (body: Record<string, unknown>, k = key) =>
  t.request('POST', `/v1/users/${USER}/challenges`, { key: k, body })
const verify = (verificationId: string, code: string, k = key) =>
  t.request('POST', '/v1/verifications/verify', {
    key: k,
    body: { verification_id: verificationId, verification_code: code },
  })

describe('a verification type registered from outside (extraVerifiers): the card-pin example', () => {
  it('binds, is challenged in a custom scene and verified into a token of that scene for the user', async () => {
    const bound = await bind({ type: 'card-pin', pin: '4711' })
    expect(bound.statusCode).toBe(201)
    expect(bound.json()).toMatchObject({ type: 'card-pin', status: 'active', label: 'card PIN', to: null })
    expect(bound.body).not.toContain('4711')

    const started = await challenge({ scene: 'kiosk-unlock', type: 'card-pin' })
    expect(started.statusCode).toBe(201)
    expect(started.json()).toMatchObject({
      type: 'card-pin',
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
    expect(facts.json()).toMatchObject({ active: true, channel: 'card-pin', user_id: USER, scene: 'kiosk-unlock' })

    const listed = (await t.request('GET', `/v1/users/${USER}/factors`, { key })).json().factors
    expect(listed).toMatchObject([{ type: 'card-pin', status: 'active', label: 'card PIN' }])
    expect(listed[0].last_used_at).not.toBeNull()
  })

  it('reveals a PIN it made once, of the length the app’s card-pin options set, and that PIN verifies', async () => {
    const bound = await bind({ type: 'card-pin' })
    expect(bound.statusCode).toBe(201)
    const { pin } = bound.json()
    // The reveal field is declared by the type, so the answer's schema lets it through.
    expect(pin).toMatch(/^\d{4}$/)
    const listed = await t.request('GET', `/v1/users/${USER}/factors`, { key })
    expect(listed.json().factors[0]).not.toHaveProperty('pin')

    const started = await challenge({ scene: 'kiosk-unlock', type: 'card-pin' })
    expect((await verify(started.json().verification_id, pin)).statusCode).toBe(200)

    const sixDigits = await t.createApp({})
    const six = await bind({ type: 'card-pin' }, sixDigits.key)
    expect(six.json().pin).toMatch(/^\d{6}$/)
  })

  it('the type’s own validation answers through the contract (4000)', async () => {
    const res = await bind({ type: 'card-pin', pin: '12ab' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({
      error: 'invalid_request',
      error_code: 4000,
      error_description: 'pin must be 4 digits.',
    })
  })

  it('scenes can name it: a configured scene allows it, built-in scenes that do not list it refuse it', async () => {
    const other = await t.createApp({ scenes: { kiosk: { allowed_types: ['card-pin'], token_ttl_seconds: 30 } } })
    expect((await bind({ type: 'card-pin', pin: '258025' }, other.key)).statusCode).toBe(201)
    expect((await bind({ type: 'password', password: 'correct horse battery' }, other.key)).statusCode).toBe(201)

    const started = await challenge({ scene: 'kiosk', type: 'card-pin' }, other.key)
    expect(started.statusCode).toBe(201)
    expect((await verify(started.json().verification_id, '258025', other.key)).json()).toMatchObject({
      expires_in: 30,
    })
    expect((await challenge({ scene: 'kiosk', type: 'password' }, other.key)).statusCode).toBe(403)
    const login = await challenge({ scene: 'login', type: 'card-pin' }, other.key)
    expect(login.statusCode).toBe(403)
    expect(login.json().error).toBe('factor_not_allowed')
  })

  it('gets the core’s lockout without writing any of it', async () => {
    await bind({ type: 'card-pin', pin: '2222' })
    const a = (await challenge({ scene: 'kiosk-unlock', type: 'card-pin' })).json().verification_id
    for (const guess of ['0000', '1111']) expect((await verify(a, guess)).statusCode).toBe(400)
    const b = (await challenge({ scene: 'kiosk-unlock', type: 'card-pin' })).json().verification_id
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

  it('gets the core’s single-factor replacement, behind a step-up token of the user, without writing any of it', async () => {
    const stepUp = await t.createApp({ scenes: { 'step-up': { allowed_types: ['card-pin'] } } })
    const first = (await bind({ type: 'card-pin', pin: '111111' }, stepUp.key)).json().factor_id
    expect((await bind({ type: 'card-pin', pin: '222222' }, stepUp.key)).statusCode).toBe(403)

    const proof = (await challenge({ scene: 'step-up', type: 'card-pin' }, stepUp.key)).json().verification_id
    const token = (await verify(proof, '111111', stepUp.key)).json().verification_token
    const replaced = await bind({ type: 'card-pin', pin: '222222' }, stepUp.key, { 'x-verification-token': token })
    expect(replaced.statusCode).toBe(201)
    const factors = (await t.request('GET', `/v1/users/${USER}/factors`, { key: stepUp.key })).json().factors
    expect(factors.map((f: { factor_id: string }) => f.factor_id)).toEqual([replaced.json().factor_id])
    expect(replaced.json().factor_id).not.toBe(first)
  })

  it('its material is sealed at rest like every type’s', async () => {
    const factorId = (await bind({ type: 'card-pin', pin: '8642' })).json().factor_id
    const row = await t.tessera.store.factors.findById(appId, factorId)
    expect(row?.material).toBeTruthy()
    expect(row?.material).not.toContain('8642')
  })

  it('its options are app settings at card-pin.*, with defaults and bounds from the type', async () => {
    const plain = await t.createApp({})
    const read = await t.request('GET', `/admin/v1/apps/${plain.appId}`, { key: TEST_ADMIN_KEY })
    expect(read.json().settings).toMatchObject({ 'card-pin': { digits: 6 }, totp: { digits: 6, window: 1 } })
    const refused = await t.request('PATCH', `/admin/v1/apps/${plain.appId}`, {
      key: TEST_ADMIN_KEY,
      body: { settings: { 'card-pin': { digits: 9 } } },
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error_description).toContain('settings.card-pin.digits')
  })

  it('the OpenAPI document describes its bind field and reveal beside every built-in type’s', async () => {
    const openapi = (await t.request('GET', '/openapi.json')).json()
    const bindRoute = openapi.paths['/v1/users/{user_id}/factors'].post
    const body = bindRoute.requestBody.content['application/json'].schema.properties
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['type', 'to', 'password', 'account_name', 'secret', 'algorithm', 'digits', 'period']),
    )
    expect(body.pin.description).toBe('card-pin: the PIN a card already carries.')
    expect(body.to.description).toBe('sms/email/whatsapp/call: the phone or address.')
    const answer = bindRoute.responses['201'].content['application/json'].schema.properties
    expect(Object.keys(answer)).toEqual(
      expect.arrayContaining(['verification_id', 'secret', 'otpauth_uri', 'qr_svg', 'codes', 'pin']),
    )
    expect(answer).toHaveProperty('backup_codes_remaining')
  })

  it('an app without the type registered refuses it as an unknown type and its options as unknown settings (4000)', async () => {
    const plain = await createTestApp()
    try {
      const { key: plainKey } = await plain.createApp()
      const res = await plain.request('POST', `/v1/users/${USER}/factors`, {
        key: plainKey,
        body: { type: 'card-pin', pin: '1234' },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json().error_code).toBe(4000)
      const settings = await plain.request('POST', '/admin/v1/apps', {
        key: TEST_ADMIN_KEY,
        body: { name: 'X', settings: { 'card-pin': { digits: 4 } } },
      })
      expect(settings.statusCode).toBe(400)
    } finally {
      await plain.close()
    }
  })
})

describe('docs/extending.md', () => {
  it('shows the example type’s code as it is in the repo', () => {
    const doc = readFileSync(new URL('../../../../../docs/extending.md', import.meta.url), 'utf8')
    const code = readFileSync(
      new URL('../../verifiers/examples/card-pin/card-pin-verifier.ts', import.meta.url),
      'utf8',
    )
    expect(doc).toContain(`\`\`\`ts\n${code}\`\`\``)
  })
})
