import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'

// SMS and email factors: a confirmed phone or address, activated by a delivered code.

const USER = 'u_ada'
const PHONE_A = '+14155552671'
const PHONE_B = '+447911123456'

/** Binds and activates a phone (or address); answers the factor id. */
const enrol = (api: TestApi, type: 'sms' | 'email', to: string) => api.bindActive(USER, { type, to })

describe('binding a phone (sms)', () => {
  it('normalises the number, sends a code to it, and answers verification_id, pending and the masked number', async ({
    t,
    api,
  }) => {
    const res = await api.bind(USER, { type: 'sms', to: '+1 (415) 555-2671' })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body).toMatchObject({ type: 'sms', status: 'pending', user_id: USER, to: '+14*******71' })
    expect(body.verification_id).toMatch(/^ver_/)
    expect(t.capture.messages).toHaveLength(1)
    expect(t.capture.messages[0]?.to).toBe(PHONE_A)
    expect(t.capture.messages[0]?.text).toMatch(/Acme verification code is:?\s+\d{6}/)
    // The code is delivered, never answered.
    expect(res.body).not.toContain(t.capture.lastCode())
    expect(res.body).not.toContain(PHONE_A)
  })

  it('activates with the delivered code', async ({ t, api }) => {
    const bound = (await api.bind(USER, { type: 'sms', to: PHONE_A })).json()
    const res = await api.activate(USER, bound.factor_id, t.capture.lastCode(PHONE_A))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ factor_id: bound.factor_id, status: 'active', type: 'sms' })
    expect((await api.factors(USER))[0]).toMatchObject({
      factor_id: bound.factor_id,
      status: 'active',
      to: '+14*******71',
    })
  })

  it('also activates through /v1/verifications/verify with the bind’s verification_id (no token: nothing is proven yet)', async ({
    t,
    api,
  }) => {
    const bound = (await api.bind(USER, { type: 'sms', to: PHONE_A })).json()
    const res = await api.verify(bound.verification_id, t.capture.lastCode(PHONE_A))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'approved', factor_id: bound.factor_id, factor_status: 'active' })
    expect(res.json().verification_token).toBeUndefined()
    expect((await api.factors(USER))[0]?.status).toBe('active')
  })

  it('a wrong activation code answers 4001 with attempts_remaining and the factor stays pending', async ({
    t,
    api,
  }) => {
    const bound = (await api.bind(USER, { type: 'sms', to: PHONE_A })).json()
    const code = t.capture.lastCode(PHONE_A)
    const wrong = code === '000000' ? '111111' : '000000'
    const res = await api.activate(USER, bound.factor_id, wrong)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_verification_code', error_code: 4001, attempts_remaining: 4 })
    expect((await api.factors(USER))[0]?.status).toBe('pending')
    // A pending phone proves nothing: it cannot be challenged.
    expect((await api.challenge(USER, { scene: '2fa', type: 'sms' })).statusCode).toBe(404)
    expect((await api.activate(USER, bound.factor_id, code)).statusCode).toBe(200)
  })

  it('an activation code expires with the channel’s ttl', async ({ t, api }) => {
    const bound = (await api.bind(USER, { type: 'sms', to: PHONE_A })).json()
    t.clock.advanceSeconds(601)
    const res = await api.activate(USER, bound.factor_id, t.capture.lastCode(PHONE_A))
    expect(res.statusCode).toBe(410)
    expect(res.json().error).toBe('verification_expired')
    expect((await api.factors(USER))[0]?.status).toBe('pending')
  })

  it('a user may hold two phones; the list masks both and never shows a full number', async ({ t, api }) => {
    const a = await enrol(api, 'sms', PHONE_A)
    t.clock.advanceSeconds(1)
    const b = await enrol(api, 'sms', PHONE_B)
    expect(a).not.toBe(b)
    const res = await t.request('GET', `/v1/users/${USER}/factors`, { key: api.key })
    const factors = res.json().factors as Array<Record<string, unknown>>
    expect(factors.map((f) => [f.factor_id, f.type, f.status, f.to])).toEqual([
      [a, 'sms', 'active', '+14*******71'],
      [b, 'sms', 'active', '+44********56'],
    ])
    for (const hidden of [PHONE_A, PHONE_B, '4155552671', '7911123456', '5552671'])
      expect(res.body).not.toContain(hidden)
    // Oldest first, with when each was bound and last used (here: its activation).
    expect(factors.map((f) => [f.created_at, f.last_used_at, f.locked_until])).toEqual([
      ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', null],
      ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.000Z', null],
    ])
  })

  it('a challenge by type goes to the most recently used active phone', async ({ t, api }) => {
    const a = await enrol(api, 'sms', PHONE_A)
    t.clock.advanceSeconds(10)
    const b = await enrol(api, 'sms', PHONE_B)

    // B was used (activated) last.
    t.clock.advanceSeconds(10)
    const first = await api.challenge(USER, { scene: '2fa', type: 'sms' })
    expect(first.statusCode).toBe(201)
    expect(first.json()).toMatchObject({ factor_id: b, to: '+44********56', type: 'sms', scene: '2fa' })
    expect(t.capture.messages.at(-1)?.to).toBe(PHONE_B)

    // Now use A…
    t.clock.advanceSeconds(10)
    const onA = await api.challenge(USER, { scene: '2fa', factor_id: a })
    expect(t.capture.messages.at(-1)?.to).toBe(PHONE_A)
    expect((await api.verify(onA.json().verification_id, t.capture.lastCode(PHONE_A))).statusCode).toBe(200)

    // …and a challenge by type follows it.
    t.clock.advanceSeconds(10)
    const count = t.capture.messages.length
    const second = await api.challenge(USER, { scene: '2fa', type: 'sms' })
    expect(second.statusCode).toBe(201)
    expect(second.json().factor_id).toBe(a)
    expect(t.capture.messages).toHaveLength(count + 1)
    expect(t.capture.messages.at(-1)?.to).toBe(PHONE_A)
    const approved = await api.verify(second.json().verification_id, t.capture.lastCode(PHONE_A))
    expect(approved.statusCode).toBe(200)

    const facts = await api.introspect(approved.json().verification_token)
    expect(facts.json()).toMatchObject({ active: true, scene: '2fa', channel: 'sms', to: PHONE_A, user_id: USER })
  })

  it('a challenge code can be resent to the same phone, and the new code approves', async ({ t, api }) => {
    const factorId = await enrol(api, 'sms', PHONE_A)
    const started = (await api.challenge(USER, { scene: 'step-up', factor_id: factorId })).json()
    const sent = t.capture.messages.length
    t.clock.advanceSeconds(30)
    const resent = await api.resend(started.verification_id)
    expect(resent.statusCode).toBe(200)
    expect(resent.json()).toMatchObject({ factor_id: factorId, sends: 2, to: '+14*******71' })
    expect(t.capture.messages).toHaveLength(sent + 1)
    expect(t.capture.messages.at(-1)?.to).toBe(PHONE_A)
    expect((await api.verify(started.verification_id, t.capture.lastCode(PHONE_A))).statusCode).toBe(200)
  })

  it('a failed delivery at bind answers 502 and leaves no factor behind', async ({ t, api }) => {
    t.capture.failNext()
    const res = await api.bind(USER, { type: 'sms', to: PHONE_A })
    expect(res.statusCode).toBe(502)
    expect(res.json()).toMatchObject({ error: 'delivery_failed', error_code: 5002 })
    expect(await api.factors(USER)).toEqual([])
  })

  it('a disabled channel refuses the bind with 4012 and sends nothing', async ({ t, appWith }) => {
    const { api: other } = await appWith({ channels: { sms: { enabled: false } } })
    const res = await other.bind(USER, { type: 'sms', to: PHONE_A })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'channel_not_enabled', error_code: 4012 })
    expect(t.capture.messages).toHaveLength(0)
  })

  it.for([
    ['no country code', '4155552671'],
    ['too short', '+1 000'],
    ['text around the number', 'call +14155552671 now'],
  ] as const)('refuses a phone with %s with 4011 and sends nothing', async ([_name, to], { t, api }) => {
    const res = await api.bind(USER, { type: 'sms', to })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_identifier', error_code: 4011 })
    expect(t.capture.messages).toHaveLength(0)
    expect(await api.factors(USER)).toEqual([])
  })

  it('refuses an sms bind without `to` with 4011', async ({ api }) => {
    const res = await api.bind(USER, { type: 'sms' })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_code).toBe(4011)
  })
})

describe('binding an email address', () => {
  it('sends a code, activates, masks the address, and a login challenge by type goes to it', async ({ t, api }) => {
    const bound = await api.bind(USER, { type: 'email', to: 'Ada@Example.COM' })
    expect(bound.statusCode).toBe(201)
    expect(bound.json()).toMatchObject({ type: 'email', status: 'pending', to: 'A***@e***.com' })
    expect(t.capture.messages[0]?.to).toBe('Ada@example.com')
    expect((await api.activate(USER, bound.json().factor_id, t.capture.lastCode('Ada@example.com'))).statusCode).toBe(
      200,
    )

    const listed = await t.request('GET', `/v1/users/${USER}/factors`, { key: api.key })
    expect(listed.json().factors[0]).toMatchObject({ type: 'email', status: 'active', to: 'A***@e***.com' })
    expect(listed.body.toLowerCase()).not.toContain('ada@example.com')

    const started = await api.challenge(USER, { scene: 'login', type: 'email' })
    expect(started.statusCode).toBe(201)
    expect(t.capture.messages.at(-1)?.to).toBe('Ada@example.com')
    const ok = await api.verify(started.json().verification_id, t.capture.lastCode('Ada@example.com'))
    expect(ok.statusCode).toBe(200)
    expect(ok.json().scene).toBe('login')
  })

  it('refuses an invalid address with 4011', async ({ api }) => {
    const res = await api.bind(USER, { type: 'email', to: 'not-an-email' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_identifier', error_code: 4011 })
  })

  it('an sms factor and an email factor of one user are challenged separately by type', async ({ t, api }) => {
    await enrol(api, 'sms', PHONE_A)
    await enrol(api, 'email', 'ada@example.com')
    const bySms = (await api.challenge(USER, { scene: '2fa', type: 'sms' })).json()
    expect(bySms.type).toBe('sms')
    expect(t.capture.messages.at(-1)?.to).toBe(PHONE_A)
    const byEmail = (await api.challenge(USER, { scene: '2fa', type: 'email' })).json()
    expect(byEmail.type).toBe('email')
    expect(t.capture.messages.at(-1)?.to).toBe('ada@example.com')
    expect(bySms.factor_id).not.toBe(byEmail.factor_id)
    expect((await api.verify(byEmail.verification_id, t.capture.lastCode('ada@example.com'))).statusCode).toBe(200)
    expect((await api.verify(bySms.verification_id, t.capture.lastCode(PHONE_A))).statusCode).toBe(200)
  })
})
