import type { LightMyRequestResponse } from 'fastify'
import { TEST_ADMIN_KEY } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { testApi } from '../../../test/helpers/test-api.js'

/** The contract's limited answer: 429 rate_limited naming the limit, retry_after, Retry-After and RateLimit-* headers. */
function expectLimited(res: LightMyRequestResponse, limit: string, max: number, windowSeconds: number): number {
  expect(res.statusCode, res.body).toBe(429)
  const body = res.json()
  expect(body).toMatchObject({ error: 'rate_limited', error_code: 4029, limit })
  expect(typeof body.error_description).toBe('string')
  const retryAfter = body.retry_after as number
  expect(Number.isInteger(retryAfter)).toBe(true)
  expect(retryAfter).toBeGreaterThanOrEqual(1)
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds)
  expect(res.headers['retry-after']).toBe(String(retryAfter))
  expect(res.headers['ratelimit-limit']).toBe(String(max))
  expect(res.headers['ratelimit-remaining']).toBe('0')
  expect(res.headers['ratelimit-reset']).toBe(String(retryAfter))
  return retryAfter
}

function wrongCodeFor(code: string): string {
  return code === '000000' ? '111111' : '000000'
}

describe('sends_per_identifier', () => {
  it('refuses the third code to one address within the window, and the refusal changes nothing', async ({
    t,
    appWith,
    admin,
  }) => {
    const { appId, api } = await appWith({ limits: { sends_per_identifier: { max: 2, window_seconds: 600 } } })
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    const refused = await api.start({ channel: 'email', to: 'ada@example.com', client_ip: '203.0.113.9' })
    expectLimited(refused, 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
    expect(await admin.verifications(appId)).toHaveLength(2)
    // Still refused: the refused request did not count, but did not free anything either.
    expectLimited(await api.start({ channel: 'email', to: 'ada@example.com' }), 'sends_per_identifier', 2, 600)
    // Another identifier has its own budget.
    await api.startOk({ channel: 'email', to: 'grace@example.com' })
    const refusals = await admin.events(appId, 'send.refused')
    expect(refusals).toHaveLength(2)
    // Same fake-clock instant: find the one that carried a client_ip.
    expect(refusals.find((event) => event.client_ip !== null)).toMatchObject({
      kind: 'send.refused',
      to: 'a***@e***.com',
      client_ip: '203.0.113.9',
      details: { channel: 'email', reason: 'limit', rule: 'limit:sends_per_identifier' },
    })
    expect(JSON.stringify(refusals)).not.toContain('ada@example.com')
  })

  it('counts an address whatever the case of its letters: case variants reach one inbox', async ({ t, appWith }) => {
    const { api } = await appWith({ limits: { sends_per_identifier: { max: 2, window_seconds: 600 } } })
    await api.startOk({ channel: 'email', to: 'Ada@Example.com' })
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    expectLimited(await api.start({ channel: 'email', to: 'ADA@EXAMPLE.COM' }), 'sends_per_identifier', 2, 600)
    expectLimited(await api.start({ channel: 'email', to: 'aDa@example.com' }), 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
  })

  it('counts SMS to one number the same way', async ({ t, appWith }) => {
    const { api } = await appWith({ limits: { sends_per_identifier: { max: 2, window_seconds: 600 } } })
    await api.startOk({ channel: 'sms', to: '+14155552671' })
    await api.startOk({ channel: 'sms', to: '+1 (415) 555-2671' })
    expectLimited(await api.start({ channel: 'sms', to: '+14155552671' }), 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
  })

  it('opens again once the window has passed (the limiter follows the injected clock)', async ({ t, appWith }) => {
    const { api } = await appWith({ limits: { sends_per_identifier: { max: 1, window_seconds: 1 } } })
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    expect(
      expectLimited(await api.start({ channel: 'email', to: 'ada@example.com' }), 'sends_per_identifier', 1, 1),
    ).toBe(1)
    t.clock.advanceSeconds(1)
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
  })

  it('applies a lowered max to the sends already counted', async ({ t, appWith }) => {
    const { appId, api } = await appWith({ limits: { sends_per_identifier: { max: 5, window_seconds: 600 } } })
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    const patched = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      key: TEST_ADMIN_KEY,
      body: { settings: { limits: { sends_per_identifier: { max: 2 } } } },
    })
    expect(patched.statusCode).toBe(200)
    expectLimited(await api.start({ channel: 'email', to: 'ada@example.com' }), 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
  })
})

describe('sends_per_identifier_daily', () => {
  it('caps slow bombing below the short-window limit', async ({ t, appWith, admin }) => {
    const { appId, api } = await appWith({
      limits: {
        sends_per_identifier: { max: 10, window_seconds: 600 },
        sends_per_identifier_daily: { max: 3, window_seconds: 86_400 },
      },
    })
    for (let i = 0; i < 3; i++) await api.startOk({ channel: 'email', to: 'ada@example.com' })
    const retryAfter = expectLimited(
      await api.start({ channel: 'email', to: 'ada@example.com' }),
      'sends_per_identifier_daily',
      3,
      86_400,
    )
    expect(retryAfter).toBeGreaterThan(600)
    expect(t.capture.messages).toHaveLength(3)
    expect(await admin.verifications(appId)).toHaveLength(3)
  })
})

describe('sends_per_ip', () => {
  it('refuses a third send for one client_ip, whatever the identifiers; other addresses and calls without one go on', async ({
    t,
    appWith,
    admin,
  }) => {
    const { appId, api } = await appWith({ limits: { sends_per_ip: { max: 2, window_seconds: 3600 } } })
    await api.startOk({ channel: 'email', to: 'one@example.com', client_ip: '203.0.113.5' })
    await api.startOk({ channel: 'sms', to: '+14155552671', client_ip: '203.0.113.5' })
    expectLimited(
      await api.start({ channel: 'email', to: 'three@example.com', client_ip: '203.0.113.5' }),
      'sends_per_ip',
      2,
      3600,
    )
    expect(t.capture.messages).toHaveLength(2)
    expect(await admin.verifications(appId)).toHaveLength(2)
    await api.startOk({ channel: 'email', to: 'three@example.com', client_ip: '203.0.113.6' })
    await api.startOk({ channel: 'email', to: 'three@example.com' })
    expect(await admin.events(appId, 'send.refused')).toMatchObject([
      { client_ip: '203.0.113.5', details: { reason: 'limit', rule: 'limit:sends_per_ip' } },
    ])
  })
})

describe('sends_per_ip_range', () => {
  const limits = {
    sends_per_ip: { max: 100, window_seconds: 3600 },
    sends_per_ip_range: { max: 2, window_seconds: 3600 },
  }

  it('makes two addresses of one IPv4 /24 share a budget; another /24 has its own', async ({ t, appWith }) => {
    const { api } = await appWith({ limits: limits })
    await api.startOk({ channel: 'email', to: 'a@example.com', client_ip: '203.0.113.5' })
    await api.startOk({ channel: 'email', to: 'b@example.com', client_ip: '203.0.113.77' })
    expectLimited(
      await api.start({ channel: 'email', to: 'c@example.com', client_ip: '203.0.113.200' }),
      'sends_per_ip_range',
      2,
      3600,
    )
    await api.startOk({ channel: 'email', to: 'c@example.com', client_ip: '203.0.114.5' })
    await api.startOk({ channel: 'email', to: 'd@example.com', client_ip: '198.51.100.5' })
    expect(t.capture.messages).toHaveLength(4)
  })

  it('counts an IPv4-mapped IPv6 address, in any spelling, in its IPv4 /24', async ({ appWith }) => {
    const { api } = await appWith({ limits: limits })
    await api.startOk({ channel: 'email', to: 'a@example.com', client_ip: '198.51.100.5' })
    await api.startOk({ channel: 'email', to: 'b@example.com', client_ip: '::ffff:198.51.100.6' })
    // ::ffff:c633:6407 is ::ffff:198.51.100.7 written in hexadecimal.
    expectLimited(
      await api.start({ channel: 'email', to: 'c@example.com', client_ip: '::ffff:c633:6407' }),
      'sends_per_ip_range',
      2,
      3600,
    )
    // Other IPv4 networks, however written, are not caught in that budget.
    await api.startOk({ channel: 'email', to: 'c@example.com', client_ip: '::ffff:cb00:7105' })
    await api.startOk({ channel: 'email', to: 'd@example.com', client_ip: '::ffff:cb00:7205' })
  })

  it('makes addresses of one IPv6 /56 share a budget; the next /56 has its own', async ({ t, appWith }) => {
    const { api } = await appWith({ limits: limits })
    await api.startOk({ channel: 'email', to: 'a@example.com', client_ip: '2001:db8:1:ab00::1' })
    await api.startOk({ channel: 'email', to: 'b@example.com', client_ip: '2001:db8:1:abff:ffff:ffff:ffff:fffe' })
    expectLimited(
      await api.start({ channel: 'email', to: 'c@example.com', client_ip: '2001:DB8:0001:AB12::3' }),
      'sends_per_ip_range',
      2,
      3600,
    )
    await api.startOk({ channel: 'email', to: 'c@example.com', client_ip: '2001:db8:1:ac00::1' })
    await api.startOk({ channel: 'email', to: 'd@example.com', client_ip: '2001:db8:2:ab00::1' })
    expect(t.capture.messages).toHaveLength(4)
  })
})

describe('sends_per_app', () => {
  it('caps every send of the app across identifiers, channels and addresses', async ({ t, appWith, admin }) => {
    const { appId, api } = await appWith({ limits: { sends_per_app: { max: 3, window_seconds: 3600 } } })
    await api.startOk({ channel: 'email', to: 'a@example.com', client_ip: '203.0.113.1' })
    await api.startOk({ channel: 'sms', to: '+14155552671', client_ip: '198.51.100.1' })
    await api.startOk({ channel: 'email', to: 'b@example.com' })
    expectLimited(await api.start({ channel: 'sms', to: '+447400123456' }), 'sends_per_app', 3, 3600)
    expect(t.capture.messages).toHaveLength(3)
    expect(await admin.verifications(appId)).toHaveLength(3)
    // Another app's budget is its own.
    const other = await appWith()
    await other.api.startOk({ channel: 'sms', to: '+447400123456' })
  })
})

describe('sms_sends_per_country', () => {
  it('refuses further SMS to a country over its budget; other countries and email go on', async ({
    t,
    appWith,
    admin,
  }) => {
    const { appId, api } = await appWith({ limits: { sms_sends_per_country: { max: 2, window_seconds: 3600 } } })
    await api.startOk({ channel: 'sms', to: '+447400123456' })
    await api.startOk({ channel: 'sms', to: '+447939594749' })
    expectLimited(await api.start({ channel: 'sms', to: '+447199190545' }), 'sms_sends_per_country', 2, 3600)
    await api.startOk({ channel: 'sms', to: '+491701234567' })
    await api.startOk({ channel: 'email', to: 'a@example.com' })
    expect(t.capture.messages.map((m) => m.to)).toEqual([
      '+447400123456',
      '+447939594749',
      '+491701234567',
      'a@example.com',
    ])
    expect(await admin.verifications(appId)).toHaveLength(4)
  })
})

describe('sms_sends_per_prefix', () => {
  it('refuses further SMS to one number range (country code and four digits); the next range goes on', async ({
    t,
    appWith,
  }) => {
    const { api } = await appWith({ limits: { sms_sends_per_prefix: { max: 2, window_seconds: 3600 } } })
    await api.startOk({ channel: 'sms', to: '+447400123456' })
    await api.startOk({ channel: 'sms', to: '+447400123457' })
    expectLimited(await api.start({ channel: 'sms', to: '+447400999999' }), 'sms_sends_per_prefix', 2, 3600)
    await api.startOk({ channel: 'sms', to: '+447401123456' })
    expect(t.capture.messages).toHaveLength(3)
  })
})

describe('failed_checks_per_identifier', () => {
  it('counts wrong codes across verifications of one identifier; then even the right code is refused and not counted', async ({
    t,
    appWith,
    admin,
  }) => {
    const { appId, api } = await appWith({
      limits: { failed_checks_per_identifier: { max: 3, window_seconds: 86_400 } },
    })
    const { id: first } = await api.startOk({ channel: 'email', to: 'ada@example.com' })
    const firstCode = t.capture.lastCode('ada@example.com')
    for (const remaining of [4, 3]) {
      const wrong = await api.verify(first, wrongCodeFor(firstCode))
      expect(wrong.statusCode).toBe(400)
      expect(wrong.json()).toMatchObject({ error: 'invalid_verification_code', attempts_remaining: remaining })
    }
    // A new verification (and a new code) does not reset the budget, nor does another spelling of the address.
    const { id: second } = await api.startOk({ channel: 'email', to: 'ADA@example.com' })
    const secondCode = t.capture.lastCode('ADA@example.com')
    const third = await api.verify(second, wrongCodeFor(secondCode))
    expect(third.json()).toMatchObject({ error: 'invalid_verification_code', attempts_remaining: 4 })

    const right = await api.verify(second, secondCode)
    expectLimited(right, 'failed_checks_per_identifier', 3, 86_400)
    const after = (await api.get(second)).json()
    expect(after).toMatchObject({ status: 'pending', attempts: 1, attempts_remaining: 4 })
    // The first verification is held by the same budget.
    expectLimited(await api.verify(first, firstCode), 'failed_checks_per_identifier', 3, 86_400)
    expect((await api.get(first)).json()).toMatchObject({
      status: 'pending',
      attempts: 2,
    })
    // So is a verification started later.
    const { id: fresh } = await api.startOk({ channel: 'email', to: 'ada@example.com' })
    expectLimited(
      await api.verify(fresh, t.capture.lastCode('ada@example.com')),
      'failed_checks_per_identifier',
      3,
      86_400,
    )

    const limited = await admin.events(appId, 'check.limited')
    expect(limited).toHaveLength(3)
    for (const event of limited) expect(event.to).toMatch(/^[aA]\*\*\*@e\*\*\*\.com$/)

    // Another identifier has its own budget.
    const { id: other } = await api.startOk({ channel: 'email', to: 'grace@example.com' })
    const ok = await api.verify(other, t.capture.lastCode('grace@example.com'))
    expect(ok.statusCode).toBe(200)
  })

  it('keeps the default daily guessing budget far under NIST SP 800-63B’s 100 failures', async ({
    t,
    app: { appId },
  }) => {
    const app = (await t.request('GET', `/admin/v1/apps/${appId}`, { key: TEST_ADMIN_KEY })).json()
    expect(app.settings.limits.failed_checks_per_identifier).toEqual({ max: 30, window_seconds: 86_400 })
  })
})

describe('requests_per_key', () => {
  it('refuses requests over the key’s budget before they do anything; another key of the app has its own', async ({
    t,
    appWith,
    admin,
  }) => {
    const { appId, api } = await appWith({ limits: { requests_per_key: { max: 3, window_seconds: 60 } } })
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    expect((await api.get('ver_unknown')).statusCode).toBe(404)
    expect((await t.request('GET', '/v1/users/u_1/factors', { key: api.key })).statusCode).toBe(200)
    const refused = await api.start({ channel: 'email', to: 'grace@example.com' })
    expectLimited(refused, 'requests_per_key', 3, 60)
    expectLimited(await api.get('ver_unknown'), 'requests_per_key', 3, 60)
    expect(t.capture.messages).toHaveLength(1)
    expect(await admin.verifications(appId)).toHaveLength(1)

    const second = await t.request('POST', `/admin/v1/apps/${appId}/keys`, { key: TEST_ADMIN_KEY, body: {} })
    expect(second.statusCode).toBe(201)
    await testApi(t, second.json().key).startOk({ channel: 'email', to: 'grace@example.com' })
  })

  it('is checked after authentication: an unknown key answers 401, not 429', async ({ t, appWith }) => {
    const { api } = await appWith({ limits: { requests_per_key: { max: 1, window_seconds: 60 } } })
    await t.request('GET', '/v1/users/u_1/factors', { key: api.key })
    const unknown = await t.request('GET', '/v1/users/u_1/factors', { key: 'tsk_not_a_key' })
    expect(unknown.statusCode).toBe(401)
  })
})

describe('resend', () => {
  it('counts against the send limits; a refused resend sends nothing and the current code keeps working', async ({
    t,
    appWith,
    admin,
  }) => {
    const { appId, api } = await appWith({
      limits: { sends_per_identifier: { max: 2, window_seconds: 600 } },
      channels: { email: { resend_cooldown_seconds: 0 } },
    })
    const { id } = await api.startOk({ channel: 'email', to: 'ada@example.com' })
    const resent = await api.resend(id)
    expect(resent.statusCode).toBe(200)
    const code = t.capture.lastCode('ada@example.com')
    const refused = await api.resend(id)
    expectLimited(refused, 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
    expect((await api.get(id)).json()).toMatchObject({
      sends: 2,
      sends_remaining: 3,
    })
    // A new verification to that address is refused by the same budget.
    expectLimited(await api.start({ channel: 'email', to: 'ada@example.com' }), 'sends_per_identifier', 2, 600)
    expect(await admin.verifications(appId)).toHaveLength(1)
    const ok = await api.verify(id, code)
    expect(ok.statusCode).toBe(200)
  })
})

describe('a delivery failure', () => {
  it('refunds the send: the next start is still allowed', async ({ t, appWith, admin }) => {
    const { appId, api } = await appWith({
      limits: {
        sends_per_identifier: { max: 1, window_seconds: 600 },
        sends_per_app: { max: 1, window_seconds: 3600 },
      },
    })
    t.capture.failNext()
    const failed = await api.start({ channel: 'email', to: 'ada@example.com', client_ip: '203.0.113.1' })
    expect(failed.statusCode).toBe(502)
    expect(failed.json()).toMatchObject({ error: 'delivery_failed', error_code: 5002 })
    expect(await admin.verifications(appId)).toHaveLength(0)
    await api.startOk({ channel: 'email', to: 'ada@example.com', client_ip: '203.0.113.1' })
    expectLimited(await api.start({ channel: 'email', to: 'ada@example.com' }), 'sends_per_app', 1, 3600)
  })

  it('refunds a resend: the next resend is still allowed', async ({ t, appWith }) => {
    const { api } = await appWith({
      limits: { sends_per_identifier: { max: 2, window_seconds: 600 } },
      channels: { email: { resend_cooldown_seconds: 0 } },
    })
    const { id } = await api.startOk({ channel: 'email', to: 'ada@example.com' })
    t.capture.failNext()
    expect((await api.resend(id)).statusCode).toBe(502)
    expect((await api.resend(id)).statusCode).toBe(200)
    expectLimited(await api.resend(id), 'sends_per_identifier', 2, 600)
  })
})

describe('apps never share limits', () => {
  it('an app at its limits leaves another app’s identical traffic alone', async ({ t, appWith }) => {
    const tight = await appWith({
      limits: {
        sends_per_identifier: { max: 1, window_seconds: 600 },
        sends_per_ip: { max: 1, window_seconds: 3600 },
        sms_sends_per_country: { max: 1, window_seconds: 3600 },
        failed_checks_per_identifier: { max: 1, window_seconds: 86_400 },
        requests_per_key: { max: 100, window_seconds: 60 },
      },
    })
    const loose = await appWith({
      limits: {
        sends_per_identifier: { max: 1, window_seconds: 600 },
        sends_per_ip: { max: 1, window_seconds: 3600 },
        sms_sends_per_country: { max: 1, window_seconds: 3600 },
        failed_checks_per_identifier: { max: 1, window_seconds: 86_400 },
      },
    })
    const body = { channel: 'sms', to: '+447400123456', client_ip: '203.0.113.1' }
    const { id: first } = await tight.api.startOk(body)
    const code = t.capture.lastCode('+447400123456')
    await tight.api.verify(first, wrongCodeFor(code))
    expect((await tight.api.start(body)).statusCode).toBe(429)
    expect((await tight.api.verify(first, code)).statusCode).toBe(429)

    // The same identifier, address and country through the other app: all of its budget is there.
    const { id: theirs } = await loose.api.startOk(body)
    const ok = await loose.api.verify(theirs, t.capture.lastCode('+447400123456'))
    expect(ok.statusCode).toBe(200)
  })

  it('one key at its request budget does not slow another app', async ({ t, appWith }) => {
    const tight = await appWith({ limits: { requests_per_key: { max: 1, window_seconds: 60 } } })
    const other = await t.createApp()
    await t.request('GET', '/v1/users/u_1/factors', { key: tight.key })
    expect((await t.request('GET', '/v1/users/u_1/factors', { key: tight.key })).statusCode).toBe(429)
    for (let i = 0; i < 5; i++) {
      expect((await t.request('GET', '/v1/users/u_1/factors', { key: other.key })).statusCode).toBe(200)
    }
  })
})
