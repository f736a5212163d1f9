import type { TestApp } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { type TestApi, testApi } from '../../../test/helpers/test-api.js'
import { generateTotp, type TotpParameters } from '../../verifiers/totp/totp.js'

const USER = 'u_ada'

function paramsOf(body: { secret: string; algorithm: string; digits: number; period: number }): TotpParameters {
  return {
    secret: body.secret,
    algorithm: body.algorithm as TotpParameters['algorithm'],
    digits: body.digits,
    period: body.period,
  }
}

const codeNow = (t: TestApp, params: TotpParameters) => generateTotp(params, t.clock.nowMs())

/** A code of the right length that matches no step in ±2 of now. */
function wrongCode(t: TestApp, params: TotpParameters): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => generateTotp(params, t.clock.nowMs() + d * params.period * 1000)))
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(params.digits, '0')
    if (!valid.has(candidate)) return candidate
  }
}

/** Binds and activates an authenticator; answers its id and parameters. */
async function enrol(t: TestApp, api: TestApi, user = USER): Promise<{ factorId: string; params: TotpParameters }> {
  const bound = await api.bind(user, { type: 'totp', account_name: `${user}@example.com` })
  expect(bound.statusCode).toBe(201)
  const params = paramsOf(bound.json())
  const activated = await api.activate(user, bound.json().factor_id, codeNow(t, params))
  expect(activated.statusCode).toBe(200)
  return { factorId: bound.json().factor_id, params }
}

describe('binding an authenticator (TOTP)', () => {
  it('answers the base32 secret, an otpauth URI (issuer = app name, label = account name), an SVG QR code, pending', async ({
    api,
  }) => {
    const res = await api.bind(USER, { type: 'totp', account_name: 'ada@example.com' })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body).toMatchObject({
      type: 'totp',
      status: 'pending',
      user_id: USER,
      label: 'ada@example.com',
      to: null,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      last_used_at: null,
      locked_until: null,
    })
    expect(body.factor_id).toMatch(/^fac_/)
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(body.qr_svg.startsWith('<svg')).toBe(true)
    expect(body.qr_svg).toContain('</svg>')

    const uri = new URL(body.otpauth_uri)
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.host).toBe('totp')
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme:ada@example.com')
    expect(uri.searchParams.get('issuer')).toBe('Acme')
    expect(uri.searchParams.get('secret')).toBe(body.secret)
    expect(uri.searchParams.get('algorithm')).toBe('SHA1')
    expect(uri.searchParams.get('digits')).toBe('6')
    expect(uri.searchParams.get('period')).toBe('30')
  })

  it('labels with the user id when no account name is given, and the issuer is this app’s name', async ({ t }) => {
    // An app with a name of its own: created on `t` directly, as appWith takes only settings.
    const other = testApi(t, (await t.createApp({}, 'Globex Bank')).key)
    const res = await other.bind('u_7', { type: 'totp' })
    expect(res.statusCode).toBe(201)
    const uri = new URL(res.json().otpauth_uri)
    expect(decodeURIComponent(uri.pathname)).toBe('/Globex Bank:u_7')
    expect(uri.searchParams.get('issuer')).toBe('Globex Bank')
  })

  it('never shows the secret again: the list has no secret, URI or QR code', async ({ t, api }) => {
    const bound = (await api.bind(USER, { type: 'totp' })).json()
    const list = await t.request('GET', `/v1/users/${USER}/factors`, { key: api.key })
    expect(list.statusCode).toBe(200)
    expect(list.json().factors).toHaveLength(1)
    expect(list.json().factors[0]).toMatchObject({ factor_id: bound.factor_id, type: 'totp', status: 'pending' })
    expect(list.body).not.toContain(bound.secret)
    expect(list.body).not.toContain('otpauth')
    expect(list.body).not.toContain('svg')
  })

  it('activates with a current code; a wrong code answers 4001 and leaves it pending', async ({ t, api }) => {
    const bound = (await api.bind(USER, { type: 'totp' })).json()
    const params = paramsOf(bound)

    const wrong = await api.activate(USER, bound.factor_id, wrongCode(t, params))
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json()).toMatchObject({ error: 'invalid_verification_code', error_code: 4001 })
    expect((await api.factors(USER))[0]?.status).toBe('pending')

    const res = await api.activate(USER, bound.factor_id, codeNow(t, params))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ factor_id: bound.factor_id, status: 'active', type: 'totp' })
    const listed = (await api.factors(USER))[0]
    expect(listed?.status).toBe('active')
    expect(listed?.last_used_at).toBe(new Date(t.clock.nowMs()).toISOString())

    // Activating twice is a conflict, not a second success.
    t.clock.advanceSeconds(30)
    const again = await api.activate(USER, bound.factor_id, codeNow(t, params))
    expect(again.statusCode).toBe(409)
    expect(again.json().error).toBe('verification_not_pending')
  })

  it('a pending authenticator cannot be challenged', async ({ api }) => {
    const bound = (await api.bind(USER, { type: 'totp' })).json()
    const res = await api.challenge(USER, { scene: '2fa', factor_id: bound.factor_id })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error: 'factor_not_found', error_code: 4041 })
    expect((await api.challenge(USER, { scene: '2fa', type: 'totp' })).statusCode).toBe(404)
  })

  it('still activates after the first activation round expired (a fresh round opens)', async ({ t, api }) => {
    const bound = (await api.bind(USER, { type: 'totp' })).json()
    t.clock.advanceSeconds(3600)
    const res = await api.activate(USER, bound.factor_id, codeNow(t, paramsOf(bound)))
    expect(res.statusCode).toBe(200)
    expect(res.json().status).toBe('active')
  })
})

describe('TOTP challenges', () => {
  it('refuses the activation code again (replay), then a 2fa challenge by type with the next step’s code answers a 2fa token for the user', async ({
    t,
    api,
  }) => {
    const bound = (await api.bind(USER, { type: 'totp', account_name: 'ada@example.com' })).json()
    const params = paramsOf(bound)
    const firstCode = codeNow(t, params)
    expect((await api.activate(USER, bound.factor_id, firstCode)).statusCode).toBe(200)

    // The same code, same step, in a real challenge: already used.
    const replayChallenge = await api.challenge(USER, { scene: '2fa', factor_id: bound.factor_id })
    expect(replayChallenge.statusCode).toBe(201)
    const replay = await api.verify(replayChallenge.json().verification_id, firstCode)
    expect(replay.statusCode).toBe(400)
    expect(replay.json()).toMatchObject({ error: 'invalid_verification_code', error_code: 4001, attempts_remaining: 4 })

    t.clock.advanceSeconds(30)
    const started = await api.challenge(USER, { scene: '2fa', type: 'totp' })
    expect(started.statusCode).toBe(201)
    expect(started.json()).toMatchObject({
      type: 'totp',
      channel: 'totp',
      scene: '2fa',
      status: 'pending',
      factor_id: bound.factor_id,
      user_id: USER,
      to: null,
      expires_in: 300,
      attempts_remaining: 5,
    })
    // Nothing is delivered for an authenticator.
    expect(t.capture.messages).toHaveLength(0)

    const nextCode = codeNow(t, params)
    expect(nextCode).not.toBe(firstCode)
    const approved = await api.verify(started.json().verification_id, nextCode)
    expect(approved.statusCode).toBe(200)
    expect(approved.json()).toMatchObject({
      status: 'approved',
      scene: '2fa',
      factor_id: bound.factor_id,
      expires_in: 600,
    })
    const token = approved.json().verification_token as string

    const facts = await api.introspect(token)
    expect(facts.json()).toMatchObject({
      active: true,
      scene: '2fa',
      channel: 'totp',
      user_id: USER,
      verification_id: started.json().verification_id,
    })
    expect((await api.introspect(token, { scene: '2fa' })).json().active).toBe(true)
    expect((await api.introspect(token, { scene: 'login' })).json()).toEqual({
      active: false,
      reason: 'scene_mismatch',
    })
  })

  it('accepts the previous and the next step (clock drift ±1), but not two steps away', async ({ t, api }) => {
    const { factorId, params } = await enrol(t, api)
    const base = t.clock.nowMs()

    t.clock.advanceSeconds(60)
    const previous = (await api.challenge(USER, { scene: '2fa', factor_id: factorId })).json().verification_id
    expect((await api.verify(previous, generateTotp(params, t.clock.nowMs() - 30_000))).statusCode).toBe(200)

    t.clock.advanceSeconds(60)
    const next = (await api.challenge(USER, { scene: '2fa', factor_id: factorId })).json().verification_id
    expect((await api.verify(next, generateTotp(params, t.clock.nowMs() + 30_000))).statusCode).toBe(200)

    // Two steps ahead and two behind, from unused steps: out of the window. (A step is picked where
    // those codes differ from every code in the window, so a chance collision cannot approve them.)
    let at = base + 10 * 30_000
    const windowCodes = (ms: number) => [-1, 0, 1].map((d) => generateTotp(params, ms + d * 30_000))
    const outside = (ms: number) => [generateTotp(params, ms + 60_000), generateTotp(params, ms - 60_000)]
    while (outside(at).some((code) => windowCodes(at).includes(code))) at += 5 * 30_000
    t.clock.set(at)
    const far = (await api.challenge(USER, { scene: '2fa', factor_id: factorId })).json().verification_id
    for (const code of outside(at)) {
      const res = await api.verify(far, code)
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toBe('invalid_verification_code')
    }
    // The same challenge still takes the current code.
    expect((await api.verify(far, codeNow(t, params))).statusCode).toBe(200)
  })

  it('a code from a step older than the last used one is refused, even inside the window', async ({ t, api }) => {
    const { factorId, params } = await enrol(t, api)
    t.clock.advanceSeconds(30)
    const current = (await api.challenge(USER, { scene: '2fa', factor_id: factorId })).json().verification_id
    // Use the next step's code first (drift forward)…
    expect((await api.verify(current, generateTotp(params, t.clock.nowMs() + 30_000))).statusCode).toBe(200)
    // …then the current step's code, still in the window but older than the step used.
    const older = (await api.challenge(USER, { scene: '2fa', factor_id: factorId })).json().verification_id
    const res = await api.verify(older, codeNow(t, params))
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_verification_code')
  })

  it('accepts spaces inside the typed code ("123 456")', async ({ t, api }) => {
    const { factorId, params } = await enrol(t, api)
    t.clock.advanceSeconds(30)
    const code = codeNow(t, params)
    const started = (await api.challenge(USER, { scene: 'login', factor_id: factorId })).json().verification_id
    expect((await api.verify(started, `${code.slice(0, 3)} ${code.slice(3)}`)).statusCode).toBe(200)
  })

  it('one code sent to 20 open challenges at once approves exactly one', async ({ t, api }) => {
    const { factorId, params } = await enrol(t, api)
    t.clock.advanceSeconds(30)
    const ids: string[] = []
    for (let i = 0; i < 20; i++) {
      const res = await api.challenge(USER, { scene: '2fa', factor_id: factorId })
      expect(res.statusCode).toBe(201)
      ids.push(res.json().verification_id)
    }
    const code = codeNow(t, params)
    const results = await Promise.all(ids.map((id) => api.verify(id, code)))
    const statuses = results.map((r) => r.statusCode)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    // The others are wrong-code answers (a replay), the factor locked by the failures (10 by default), or —
    // while the lockout's remaining failures are all claimed by guesses being judged — refused unjudged (4029).
    for (const res of results.filter((r) => r.statusCode !== 200)) {
      expect([400, 423, 429]).toContain(res.statusCode)
      expect(['invalid_verification_code', 'factor_locked', 'rate_limited']).toContain(res.json().error)
    }
    const tokens = results.filter((r) => r.statusCode === 200).map((r) => r.json().verification_token)
    expect(tokens).toHaveLength(1)
  })

  it('imports an existing secret with its algorithm, digits and period: active at once, and its codes work', async ({
    t,
    api,
  }) => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA'
    const res = await api.bind(USER, {
      type: 'totp',
      secret,
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
      account_name: 'ada',
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ type: 'totp', status: 'active', algorithm: 'SHA256', digits: 8, period: 60 })
    // The caller already holds the secret: it is not echoed, and no activation round is opened.
    expect(res.json().secret).toBeUndefined()
    expect(res.json().qr_svg).toBeUndefined()
    expect(res.json().verification_id).toBeUndefined()

    const params: TotpParameters = { secret, algorithm: 'SHA256', digits: 8, period: 60 }
    const started = await api.challenge(USER, { scene: '2fa', type: 'totp' })
    expect(started.statusCode).toBe(201)
    const code = codeNow(t, params)
    expect(code).toMatch(/^\d{8}$/)
    // The default parameters' code for the same secret is refused.
    const sha1Six = generateTotp({ secret, algorithm: 'SHA1', digits: 6, period: 30 }, t.clock.nowMs())
    expect((await api.verify(started.json().verification_id, sha1Six)).statusCode).toBe(400)
    const ok = await api.verify(started.json().verification_id, code)
    expect(ok.statusCode).toBe(200)
    expect(ok.json().scene).toBe('2fa')

    // A 60-second period: 30 s later is the same step (the test clock starts on a minute), already used.
    t.clock.advanceSeconds(30)
    expect(codeNow(t, params)).toBe(code)
    const sameStep = (await api.challenge(USER, { scene: '2fa', type: 'totp' })).json().verification_id
    expect((await api.verify(sameStep, code)).statusCode).toBe(400)
    t.clock.advanceSeconds(30)
    expect((await api.verify(sameStep, codeNow(t, params))).statusCode).toBe(200)
  })

  it('imports a secret typed in lower case with spaces', async ({ t, api }) => {
    const res = await api.bind(USER, { type: 'totp', secret: 'gezd gnbv gy3t qojq gezd gnbv gy3t qojq' })
    expect(res.statusCode).toBe(201)
    const params: TotpParameters = {
      secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    }
    const started = (await api.challenge(USER, { scene: '2fa', type: 'totp' })).json().verification_id
    expect((await api.verify(started, codeNow(t, params))).statusCode).toBe(200)
  })

  it.for([
    [{ type: 'totp', secret: 'GEZDGNBVGY3TQOJ0GEZD' }, 'not base32'],
    [{ type: 'totp', secret: 'GEZDGNBVGY3TQOJQ', algorithm: 'MD5' }, 'an unknown algorithm'],
    [{ type: 'totp', secret: 'GEZDGNBVGY3TQOJQ', digits: 9 }, '9 digits'],
    [{ type: 'totp', secret: 'GEZDGNBVGY3TQOJQ', digits: 5 }, '5 digits'],
    [{ type: 'totp', secret: 'GEZDGNBVGY3TQOJQ', period: 10 }, 'a 10 s period'],
    [{ type: 'totp', secret: 'GEZDGNBVGY3TQOJQ', period: 121 }, 'a 121 s period'],
  ] as const)('refuses an import with %s (%s) with 4000', async ([body, _why], { api }) => {
    const res = await api.bind(USER, body)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request', error_code: 4000 })
    expect(await api.factors(USER)).toHaveLength(0)
  })

  it('new bindings follow the app’s TOTP settings (8 digits, SHA512, 60 s)', async ({ t, api, appWith }) => {
    const { api: other } = await appWith({ totp: { digits: 8, algorithm: 'SHA512', period: 60 } })
    const bound = await other.bind(USER, { type: 'totp' })
    expect(bound.statusCode).toBe(201)
    expect(bound.json()).toMatchObject({ digits: 8, algorithm: 'SHA512', period: 60 })
    const uri = new URL(bound.json().otpauth_uri)
    expect(uri.searchParams.get('digits')).toBe('8')
    expect(uri.searchParams.get('algorithm')).toBe('SHA512')
    expect(uri.searchParams.get('period')).toBe('60')
    const params = paramsOf(bound.json())
    const code = codeNow(t, params)
    expect(code).toMatch(/^\d{8}$/)
    // A six-digit code is refused by length, before any comparison.
    expect((await other.activate(USER, bound.json().factor_id, code.slice(2))).statusCode).toBe(400)
    expect((await other.activate(USER, bound.json().factor_id, code)).statusCode).toBe(200)

    // The first app still binds with the defaults.
    expect((await api.bind(USER, { type: 'totp' })).json()).toMatchObject({ digits: 6, algorithm: 'SHA1', period: 30 })
  })

  it('a user may hold two authenticators; each checks only its own codes', async ({ t, api }) => {
    const a = await enrol(t, api)
    // A second authenticator needs a step-up token from the first (a later time step than its activation).
    t.clock.advanceSeconds(30)
    const stepUp = (await api.challenge(USER, { scene: 'step-up', factor_id: a.factorId })).json().verification_id
    const proof = (await api.verify(stepUp, codeNow(t, a.params))).json().verification_token
    const bound = await api.bind(USER, { type: 'totp' }, proof)
    expect(bound.statusCode).toBe(201)
    const b = { factorId: bound.json().factor_id as string, params: paramsOf(bound.json()) }
    expect((await api.activate(USER, b.factorId, codeNow(t, b.params))).statusCode).toBe(200)
    expect(a.params.secret).not.toBe(b.params.secret)
    t.clock.advanceSeconds(30)
    const aWindow = (ms: number) => [-1, 0, 1].map((d) => generateTotp(a.params, ms + d * 30_000))
    // Move on until B's code is none of A's (a chance collision would make B's code a valid A code).
    while (aWindow(t.clock.nowMs()).includes(codeNow(t, b.params))) t.clock.advanceSeconds(90)
    const onA = (await api.challenge(USER, { scene: '2fa', factor_id: a.factorId })).json().verification_id
    expect((await api.verify(onA, codeNow(t, b.params))).statusCode).toBe(400)
    expect((await api.verify(onA, codeNow(t, a.params))).statusCode).toBe(200)
  })

  it('one app cannot see, challenge or activate another app’s factor', async ({ t, api, appWith }) => {
    const { factorId } = await enrol(t, api)
    const { api: other } = await appWith()
    expect((await other.challenge(USER, { scene: '2fa', factor_id: factorId })).statusCode).toBe(404)
    expect(await other.factors(USER)).toEqual([])
    const pending = (await api.bind('u_other', { type: 'totp' })).json()
    const res = await other.activate('u_other', pending.factor_id, codeNow(t, paramsOf(pending)))
    expect(res.statusCode).toBe(404)
    expect(res.json().error).toBe('factor_not_found')
  })
})
