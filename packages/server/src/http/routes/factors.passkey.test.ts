import type { TestApp } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { createSoftAuthenticator, type SoftAuthenticator } from '../../../test/helpers/soft-authenticator.js'

// The passkey type over the API, with a software authenticator (test/helpers/soft-authenticator.ts): register,
// sign in with and without a user, and the refusals an attacker's assertion meets — each counted like a wrong
// code. test/browser/passkeys.test.ts runs the same ceremonies with Chromium's virtual authenticator.

const ORIGIN = 'http://localhost:5173'
const USER = 'u_ada'

function client(t: TestApp, key: string) {
  const post = (url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.request('POST', url, { key, body, headers })
  return {
    post,
    bind: (body: Record<string, unknown> = {}, headers: Record<string, string> = {}, user = USER) =>
      post(`/v1/users/${user}/factors`, { type: 'passkey', ...body }, headers),
    activate: (factorId: string, credential: unknown, user = USER) =>
      post(`/v1/users/${user}/factors/${factorId}/activate`, { credential }),
    challenge: (scene = 'login', user = USER) => post(`/v1/users/${user}/challenges`, { scene, type: 'passkey' }),
    verify: (verificationId: string, credential: unknown) =>
      post('/v1/verifications/verify', { verification_id: verificationId, credential }),
    factors: async (user = USER) => (await t.request('GET', `/v1/users/${user}/factors`, { key })).json().factors,
  }
}

/** Binds and activates a passkey of `user` on `authenticator`; answers its factor id. */
async function register(api: ReturnType<typeof client>, authenticator: SoftAuthenticator, user = USER) {
  const bound = await api.bind({ name: 'Laptop' }, {}, user)
  expect(bound.statusCode).toBe(201)
  const activated = await api.activate(bound.json().factor_id, authenticator.create(bound.json().options), user)
  expect(activated.statusCode).toBe(200)
  return bound.json().factor_id as string
}

describe('passkeys over the API', () => {
  it('binds with creation options, activates with the credential, and signs in with an assertion', async ({
    t,
    app,
  }) => {
    const api = client(t, app.key)
    const authenticator = createSoftAuthenticator({ origin: ORIGIN })
    const bound = await api.bind({ name: 'Work laptop', user_name: 'ada@example.com' })
    expect(bound.statusCode).toBe(201)
    const { options } = bound.json()
    expect(bound.json()).toMatchObject({ type: 'passkey', status: 'pending', label: 'Work laptop' })
    expect(bound.json().verification_id).toMatch(/^ver_/)
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'Acme' },
      user: { name: 'ada@example.com' },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      excludeCredentials: [],
    })
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // The user handle is opaque: it does not carry the user id.
    expect(Buffer.from(options.user.id, 'base64url').toString()).not.toContain(USER)

    const credential = authenticator.create(options)
    const activated = await api.activate(bound.json().factor_id, credential)
    expect(activated.statusCode).toBe(200)
    expect(activated.json()).toMatchObject({ factor_id: bound.json().factor_id, status: 'active', type: 'passkey' })

    const [listed] = await api.factors()
    expect(listed).toMatchObject({
      type: 'passkey',
      status: 'active',
      label: 'Work laptop',
      authenticator: 'Chromium virtual authenticator',
      aaguid: '01020304-0506-0708-0102-030405060708',
      backed_up: true,
      device_type: 'multiDevice',
      transports: ['internal'],
      flagged_at: null,
    })

    const started = await api.challenge('login')
    expect(started.statusCode).toBe(201)
    expect(started.json().options).toMatchObject({
      rpId: 'localhost',
      userVerification: 'required',
      allowCredentials: [{ id: credential.id, type: 'public-key' }],
    })
    const verified = await api.verify(started.json().verification_id, authenticator.get(started.json().options))
    expect(verified.statusCode).toBe(200)
    expect(verified.json()).toMatchObject({ status: 'approved', scene: 'login', user_id: USER })
    const token = await t.request('POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: verified.json().verification_token, scene: 'login' },
    })
    expect(token.json()).toMatchObject({ active: true, channel: 'passkey', user_id: USER })
    expect((await api.factors())[0].last_used_at).not.toBeNull()

    // The user renames it; another user's id (or a blank name) changes nothing.
    const factorUrl = `/v1/users/${USER}/factors/${bound.json().factor_id}`
    const renamed = await t.request('PATCH', factorUrl, { key: app.key, body: { name: 'Home laptop' } })
    expect(renamed.statusCode).toBe(200)
    expect(renamed.json()).toMatchObject({ label: 'Home laptop', authenticator: 'Chromium virtual authenticator' })
    const elsewhere = `/v1/users/u_other/factors/${bound.json().factor_id}`
    expect((await t.request('PATCH', elsewhere, { key: app.key, body: { name: 'x' } })).statusCode).toBe(404)
    expect((await t.request('PATCH', factorUrl, { key: app.key, body: { name: '  ' } })).statusCode).toBe(400)
    expect((await api.factors())[0].label).toBe('Home laptop')
  })

  it('signs in without a user: discoverable options, and the answer names the credential’s user', async ({
    t,
    app,
  }) => {
    const api = client(t, app.key)
    const ada = createSoftAuthenticator({ origin: ORIGIN })
    const bob = createSoftAuthenticator({ origin: ORIGIN })
    await register(api, ada, 'u_ada')
    const bobFactor = await register(api, bob, 'u_bob')

    const started = await api.post('/v1/challenges', { scene: 'login', type: 'passkey' })
    expect(started.statusCode).toBe(201)
    expect(started.json()).toMatchObject({ user_id: null, factor_id: null, type: 'passkey' })
    expect(started.json().options.allowCredentials).toEqual([])
    const verified = await api.verify(started.json().verification_id, bob.get(started.json().options))
    expect(verified.statusCode).toBe(200)
    expect(verified.json()).toMatchObject({ user_id: 'u_bob', factor_id: bobFactor })
    const token = await t.request('POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: verified.json().verification_token },
    })
    expect(token.json()).toMatchObject({ active: true, user_id: 'u_bob' })
  })

  it('refuses a usernameless challenge for a type without discoverable credentials, and a scene that forbids it', async ({
    t,
    appWith,
  }) => {
    const { key } = await appWith({ scenes: { login: { allowed_types: ['email'] } } })
    const api = client(t, key)
    const totp = await api.post('/v1/challenges', { scene: 'login', type: 'totp' })
    expect(totp.statusCode).toBe(400)
    expect(totp.json().error).toBe('invalid_request')
    const forbidden = await api.post('/v1/challenges', { scene: 'login', type: 'passkey' })
    expect(forbidden.statusCode).toBe(403)
    expect(forbidden.json().error).toBe('factor_not_allowed')
  })

  it('refuses a replayed, foreign-origin, foreign-RP, unverified or garbage assertion, each counting', async ({
    t,
    app,
  }) => {
    const api = client(t, app.key)
    const authenticator = createSoftAuthenticator({ origin: ORIGIN })
    await register(api, authenticator)

    const first = (await api.challenge()).json()
    const assertion = authenticator.get(first.options)
    expect((await api.verify(first.verification_id, assertion)).statusCode).toBe(200)
    // The same assertion again: the challenge was single use.
    const again = await api.verify(first.verification_id, assertion)
    expect(again.statusCode).toBe(409)
    expect(again.json()).toMatchObject({ error: 'verification_not_pending' })

    const second = (await api.challenge()).json()
    const refusals: [Record<string, unknown>, string][] = [
      [assertion, 'challenge_mismatch'],
      [authenticator.get(second.options, { origin: 'https://evil.example' }), 'origin_mismatch'],
      [authenticator.get(second.options, { rpId: 'evil.example' }), 'rp_id_mismatch'],
      [authenticator.get(second.options, { userVerified: false }), 'user_verification_missing'],
    ]
    let remaining = second.attempts_remaining as number
    for (const [credential, reason] of refusals) {
      const refused = await api.verify(second.verification_id, credential)
      remaining -= 1
      expect(refused.statusCode).toBe(400)
      expect(refused.json()).toMatchObject({
        error: 'credential_rejected',
        error_code: 4160,
        reason,
        attempts_remaining: remaining,
      })
    }
    // A tampered signature.
    const third = (await api.challenge()).json()
    const good = authenticator.get(third.options) as { response: Record<string, string> }
    const forged = { ...good, response: { ...good.response, signature: Buffer.alloc(70, 1).toString('base64url') } }
    const bad = await api.verify(third.verification_id, forged)
    expect(bad.json()).toMatchObject({ error: 'credential_rejected' })
    expect(['signature_invalid', 'invalid_credential']).toContain(bad.json().reason)

    // Garbage is 400 invalid_request and counts nothing.
    for (const credential of ['x', { id: 1 }, { id: 'a', rawId: 'a', type: 'public-key', response: {} }, null]) {
      const garbage = await api.verify(third.verification_id, credential)
      expect(garbage.statusCode).toBe(400)
      expect(garbage.json().error).toBe('invalid_request')
    }
    const code = await api.post('/v1/verifications/verify', {
      verification_id: third.verification_id,
      verification_code: '123456',
    })
    expect(code.statusCode).toBe(400)
    expect(code.json().error).toBe('invalid_request')
    const status = await t.request('GET', `/v1/verifications/${third.verification_id}`, { key: app.key })
    expect(status.json().attempts).toBe(1)
  })

  it('flags the factor and refuses when the sign counter goes backwards (a cloned authenticator)', async ({
    t,
    app,
    admin,
  }) => {
    const api = client(t, app.key)
    const authenticator = createSoftAuthenticator({ origin: ORIGIN })
    const factorId = await register(api, authenticator)
    for (let i = 0; i < 3; i++) {
      const started = (await api.challenge()).json()
      expect((await api.verify(started.verification_id, authenticator.get(started.options))).statusCode).toBe(200)
    }
    const started = (await api.challenge()).json()
    const cloned = await api.verify(started.verification_id, authenticator.get(started.options, { counter: 2 }))
    expect(cloned.statusCode).toBe(400)
    expect(cloned.json()).toMatchObject({ error: 'credential_rejected', reason: 'counter_regression' })
    const [flagged] = await api.factors()
    expect(flagged).toMatchObject({ factor_id: factorId, flag_reason: 'counter_regression' })
    expect(flagged.flagged_at).not.toBeNull()
    const events = await admin.events(app.appId, 'factor.flagged')
    expect(events[0]).toMatchObject({ kind: 'factor.flagged' })
  })

  it('locks the passkey after repeated refusals, across challenges', async ({ t, appWith }) => {
    const { key } = await appWith({
      challenge: { ttl_seconds: 300, max_attempts: 5 },
      factor_lockout: { max_failures: 3, base_delay_seconds: 60, max_delay_seconds: 600 },
    })
    const api = client(t, key)
    const authenticator = createSoftAuthenticator({ origin: ORIGIN })
    await register(api, authenticator)
    const answers: number[] = []
    for (let i = 0; i < 3; i++) {
      const started = (await api.challenge()).json()
      const res = await api.verify(
        started.verification_id,
        authenticator.get(started.options, { origin: 'https://evil.example' }),
      )
      answers.push(res.statusCode)
    }
    expect(answers).toEqual([400, 400, 423])
    const locked = await api.challenge()
    expect(locked.statusCode).toBe(423)
    expect(locked.json().error).toBe('factor_locked')
  })

  it('accepts one of many parallel uses of one assertion', async ({ t, app }) => {
    const api = client(t, app.key)
    const authenticator = createSoftAuthenticator({ origin: ORIGIN })
    await register(api, authenticator)
    const started = (await api.challenge()).json()
    const assertion = authenticator.get(started.options)
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.verify(started.verification_id, assertion)))
    expect(answers.filter((answer) => answer.statusCode === 200)).toHaveLength(1)
    for (const answer of answers) expect(answer.statusCode).toBeLessThan(500)
  })

  it('needs a step-up token to add a passkey once the user has any active factor', async ({ t, app }) => {
    const api = client(t, app.key)
    const laptop = createSoftAuthenticator({ origin: ORIGIN })
    const phone = createSoftAuthenticator({ origin: ORIGIN })
    const first = await register(api, laptop)

    const refused = await api.bind({ name: 'Phone' })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error).toBe('forbidden')

    const stepUp = (await api.challenge('step-up')).json()
    const proof = await api.verify(stepUp.verification_id, laptop.get(stepUp.options))
    const bound = await api.bind({ name: 'Phone' }, { 'x-verification-token': proof.json().verification_token })
    expect(bound.statusCode).toBe(201)
    // The new passkey's options exclude the one already registered.
    expect(bound.json().options.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([
      ...laptop.credentials.keys(),
    ])
    expect((await api.activate(bound.json().factor_id, phone.create(bound.json().options))).statusCode).toBe(200)

    const started = (await api.challenge()).json()
    expect(started.options.allowCredentials).toHaveLength(2)
    // Either passkey proves the user; the verify answer names the one used.
    const viaPhone = await api.verify(started.verification_id, phone.get({ ...started.options, allowCredentials: [] }))
    expect(viaPhone.statusCode).toBe(200)
    expect(viaPhone.json().factor_id).toBe(bound.json().factor_id)
    expect(viaPhone.json().factor_id).not.toBe(first)
  })

  it('refuses another user’s passkey on a user’s challenge, and an activation with a credential already registered', async ({
    t,
    app,
  }) => {
    const api = client(t, app.key)
    const ada = createSoftAuthenticator({ origin: ORIGIN })
    const bob = createSoftAuthenticator({ origin: ORIGIN })
    await register(api, ada, 'u_ada')
    await register(api, bob, 'u_bob')
    const started = (await api.challenge('login', 'u_ada')).json()
    const wrongUser = await api.verify(started.verification_id, bob.get({ ...started.options, allowCredentials: [] }))
    expect(wrongUser.statusCode).toBe(400)
    expect(wrongUser.json()).toMatchObject({ error: 'credential_rejected', reason: 'unknown_credential' })

    const carol = await api.bind({}, {}, 'u_carol')
    const [adaCredential] = [...ada.credentials.keys()]
    const copied = await api.activate(
      carol.json().factor_id,
      bob.create(carol.json().options, { credentialId: adaCredential }),
      'u_carol',
    )
    expect(copied.statusCode).toBe(400)
    expect(copied.json()).toMatchObject({ error: 'credential_rejected', reason: 'credential_registered' })
    expect((await api.factors('u_carol'))[0].status).toBe('pending')
  })

  it('keeps the WebAuthn settings under webauthn.* with their defaults, and validates origins', async ({
    t,
    appWith,
  }) => {
    const { appId } = await appWith({ webauthn: { rp_id: 'example.com', origins: ['https://login.example.com'] } })
    const read = await t.request('GET', `/admin/v1/apps/${appId}`, { key: 'tadm_test_admin_key_0123456789abcdef' })
    expect(read.json().settings.webauthn).toEqual({
      rp_id: 'example.com',
      rp_name: '',
      origins: ['https://login.example.com'],
      user_verification: 'required',
      attestation: 'none',
    })
    const bad = await t.request('POST', '/admin/v1/apps', {
      key: 'tadm_test_admin_key_0123456789abcdef',
      body: { name: 'Bad', settings: { webauthn: { origins: ['http://example.com'] } } },
    })
    expect(bad.statusCode).toBe(400)
  })

  it('under uniform_responses, a user without a passkey gets a challenge that looks like one, refused alike', async ({
    t,
    appWith,
  }) => {
    const { key } = await appWith({ uniform_responses: true })
    const api = client(t, key)
    const authenticator = createSoftAuthenticator({ origin: ORIGIN })
    await register(api, authenticator, 'u_real')
    const real = (await api.challenge('login', 'u_real')).json()
    const decoy = (await api.challenge('login', 'u_ghost')).json()
    expect(Object.keys(decoy).sort()).toEqual(Object.keys(real).sort())
    expect(decoy.options.allowCredentials).toHaveLength(1)
    // The same made-up credential every time, as a real user's passkey would be.
    const again = (await api.challenge('login', 'u_ghost')).json()
    expect(again.options.allowCredentials).toEqual(decoy.options.allowCredentials)

    const stranger = createSoftAuthenticator({ origin: ORIGIN })
    stranger.create({ challenge: 'x', rp: { id: 'localhost' }, user: { id: 'eA' } })
    const realAnswer = await api.verify(real.verification_id, stranger.get({ ...real.options, allowCredentials: [] }))
    const decoyAnswer = await api.verify(
      decoy.verification_id,
      stranger.get({ ...decoy.options, allowCredentials: [] }),
    )
    expect(decoyAnswer.statusCode).toBe(realAnswer.statusCode)
    const { error_description: _a, ...realBody } = realAnswer.json()
    const { error_description: _b, ...decoyBody } = decoyAnswer.json()
    expect(decoyBody).toEqual(realBody)
    expect(decoyAnswer.json().error_description).toBe(realAnswer.json().error_description)
  })

  it('hosted sessions take passkey beside channels, and enrolment only with a user and a ceremony type', async ({
    t,
    appWith,
  }) => {
    const redirect = 'https://app.example/back'
    const { key } = await appWith({ redirect_urls: [redirect] })
    const create = (body: Record<string, unknown>) =>
      t.request('POST', '/v1/sessions', { key, body: { redirect_url: redirect, ...body } })
    expect((await create({ channel: ['passkey', 'email'], scene: 'login' })).statusCode).toBe(201)
    expect((await create({ channel: 'passkey', scene: 'login' })).statusCode).toBe(201)
    expect((await create({ purpose: 'enroll', type: 'passkey', user_id: 'u_ada' })).statusCode).toBe(201)
    for (const body of [
      { purpose: 'enroll', type: 'passkey' },
      { purpose: 'enroll', type: 'totp', user_id: 'u_ada' },
      { purpose: 'enroll', type: 'sms', user_id: 'u_ada' },
      { purpose: 'enroll', user_id: 'u_ada' },
      { type: 'passkey', user_id: 'u_ada' },
      { scene: 'login' },
      { channel: 'passkey', scene: 'login', to: 'a@example.com' },
    ]) {
      const refused = await create(body)
      expect(refused.statusCode, JSON.stringify(body)).toBe(400)
      expect(refused.json().error).toBe('invalid_request')
    }
  })
})
