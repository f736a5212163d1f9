import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'

let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

type LimitSettings = Record<string, { max: number; window_seconds?: number }>

/** An app whose named limits are set; the others keep their defaults. */
async function appWith(limits: LimitSettings, settings: Record<string, unknown> = {}) {
  return t.createApp({ limits, ...settings })
}

function start(key: string, body: Record<string, unknown>) {
  return t.request('POST', '/v1/verifications', { key, body })
}

async function startOk(key: string, body: Record<string, unknown>): Promise<string> {
  const res = await start(key, body)
  expect(res.statusCode, res.body).toBe(201)
  return res.json().verification_id as string
}

async function verificationCount(appId: string): Promise<number> {
  const res = await t.request('GET', `/admin/v1/apps/${appId}/verifications?limit=200`, { key: TEST_ADMIN_KEY })
  expect(res.statusCode).toBe(200)
  return res.json().verifications.length as number
}

async function events(appId: string, kind: string): Promise<Array<Record<string, unknown>>> {
  const res = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=${kind}&limit=200`, { key: TEST_ADMIN_KEY })
  expect(res.statusCode).toBe(200)
  return res.json().events
}

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
  it('refuses the third code to one address within the window, and the refusal changes nothing', async () => {
    const { appId, key } = await appWith({ sends_per_identifier: { max: 2, window_seconds: 600 } })
    await startOk(key, { channel: 'email', to: 'ada@example.com' })
    await startOk(key, { channel: 'email', to: 'ada@example.com' })
    const refused = await start(key, { channel: 'email', to: 'ada@example.com', client_ip: '203.0.113.9' })
    expectLimited(refused, 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
    expect(await verificationCount(appId)).toBe(2)
    // Still refused: the refused request did not count, but did not free anything either.
    expectLimited(await start(key, { channel: 'email', to: 'ada@example.com' }), 'sends_per_identifier', 2, 600)
    // Another identifier has its own budget.
    await startOk(key, { channel: 'email', to: 'grace@example.com' })
    const refusals = await events(appId, 'send.refused')
    expect(refusals).toHaveLength(2)
    // Same fake-clock instant: find the one that carried a client_ip.
    expect(refusals.find((event) => event.client_ip !== null)).toMatchObject({
      kind: 'send.refused',
      to: 'a***@e***.com',
      client_ip: '203.0.113.9',
      details: { channel: 'email', reason: 'limit:sends_per_identifier' },
    })
    expect(JSON.stringify(refusals)).not.toContain('ada@example.com')
  })

  it('counts an address whatever the case of its letters: case variants reach one inbox', async () => {
    const { key } = await appWith({ sends_per_identifier: { max: 2, window_seconds: 600 } })
    await startOk(key, { channel: 'email', to: 'Ada@Example.com' })
    await startOk(key, { channel: 'email', to: 'ada@example.com' })
    expectLimited(await start(key, { channel: 'email', to: 'ADA@EXAMPLE.COM' }), 'sends_per_identifier', 2, 600)
    expectLimited(await start(key, { channel: 'email', to: 'aDa@example.com' }), 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
  })

  it('counts SMS to one number the same way', async () => {
    const { key } = await appWith({ sends_per_identifier: { max: 2, window_seconds: 600 } })
    await startOk(key, { channel: 'sms', to: '+14155552671' })
    await startOk(key, { channel: 'sms', to: '+1 (415) 555-2671' })
    expectLimited(await start(key, { channel: 'sms', to: '+14155552671' }), 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
  })

  it('opens again once the window has passed (the limiter follows the injected clock)', async () => {
    const { key } = await appWith({ sends_per_identifier: { max: 1, window_seconds: 1 } })
    await startOk(key, { channel: 'email', to: 'ada@example.com' })
    expect(
      expectLimited(await start(key, { channel: 'email', to: 'ada@example.com' }), 'sends_per_identifier', 1, 1),
    ).toBe(1)
    t.clock.advanceSeconds(1)
    await startOk(key, { channel: 'email', to: 'ada@example.com' })
  })

  it('applies a lowered max to the sends already counted', async () => {
    const { appId, key } = await appWith({ sends_per_identifier: { max: 5, window_seconds: 600 } })
    await startOk(key, { channel: 'email', to: 'ada@example.com' })
    await startOk(key, { channel: 'email', to: 'ada@example.com' })
    const patched = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      key: TEST_ADMIN_KEY,
      body: { settings: { limits: { sends_per_identifier: { max: 2 } } } },
    })
    expect(patched.statusCode).toBe(200)
    expectLimited(await start(key, { channel: 'email', to: 'ada@example.com' }), 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
  })
})

describe('sends_per_identifier_daily', () => {
  it('caps slow bombing below the short-window limit', async () => {
    const { appId, key } = await appWith({
      sends_per_identifier: { max: 10, window_seconds: 600 },
      sends_per_identifier_daily: { max: 3, window_seconds: 86_400 },
    })
    for (let i = 0; i < 3; i++) await startOk(key, { channel: 'email', to: 'ada@example.com' })
    const retryAfter = expectLimited(
      await start(key, { channel: 'email', to: 'ada@example.com' }),
      'sends_per_identifier_daily',
      3,
      86_400,
    )
    expect(retryAfter).toBeGreaterThan(600)
    expect(t.capture.messages).toHaveLength(3)
    expect(await verificationCount(appId)).toBe(3)
  })
})

describe('sends_per_ip', () => {
  it('refuses a third send for one client_ip, whatever the identifiers; other addresses and calls without one go on', async () => {
    const { appId, key } = await appWith({ sends_per_ip: { max: 2, window_seconds: 3600 } })
    await startOk(key, { channel: 'email', to: 'one@example.com', client_ip: '203.0.113.5' })
    await startOk(key, { channel: 'sms', to: '+14155552671', client_ip: '203.0.113.5' })
    expectLimited(
      await start(key, { channel: 'email', to: 'three@example.com', client_ip: '203.0.113.5' }),
      'sends_per_ip',
      2,
      3600,
    )
    expect(t.capture.messages).toHaveLength(2)
    expect(await verificationCount(appId)).toBe(2)
    await startOk(key, { channel: 'email', to: 'three@example.com', client_ip: '203.0.113.6' })
    await startOk(key, { channel: 'email', to: 'three@example.com' })
    expect(await events(appId, 'send.refused')).toMatchObject([
      { client_ip: '203.0.113.5', details: { reason: 'limit:sends_per_ip' } },
    ])
  })
})

describe('sends_per_ip_range', () => {
  const limits = {
    sends_per_ip: { max: 100, window_seconds: 3600 },
    sends_per_ip_range: { max: 2, window_seconds: 3600 },
  }

  it('makes two addresses of one IPv4 /24 share a budget; another /24 has its own', async () => {
    const { key } = await appWith(limits)
    await startOk(key, { channel: 'email', to: 'a@example.com', client_ip: '203.0.113.5' })
    await startOk(key, { channel: 'email', to: 'b@example.com', client_ip: '203.0.113.77' })
    expectLimited(
      await start(key, { channel: 'email', to: 'c@example.com', client_ip: '203.0.113.200' }),
      'sends_per_ip_range',
      2,
      3600,
    )
    await startOk(key, { channel: 'email', to: 'c@example.com', client_ip: '203.0.114.5' })
    await startOk(key, { channel: 'email', to: 'd@example.com', client_ip: '198.51.100.5' })
    expect(t.capture.messages).toHaveLength(4)
  })

  it('counts an IPv4-mapped IPv6 address, in any spelling, in its IPv4 /24', async () => {
    const { key } = await appWith(limits)
    await startOk(key, { channel: 'email', to: 'a@example.com', client_ip: '198.51.100.5' })
    await startOk(key, { channel: 'email', to: 'b@example.com', client_ip: '::ffff:198.51.100.6' })
    // ::ffff:c633:6407 is ::ffff:198.51.100.7 written in hexadecimal.
    expectLimited(
      await start(key, { channel: 'email', to: 'c@example.com', client_ip: '::ffff:c633:6407' }),
      'sends_per_ip_range',
      2,
      3600,
    )
    // Other IPv4 networks, however written, are not caught in that budget.
    await startOk(key, { channel: 'email', to: 'c@example.com', client_ip: '::ffff:cb00:7105' })
    await startOk(key, { channel: 'email', to: 'd@example.com', client_ip: '::ffff:cb00:7205' })
  })

  it('makes addresses of one IPv6 /56 share a budget; the next /56 has its own', async () => {
    const { key } = await appWith(limits)
    await startOk(key, { channel: 'email', to: 'a@example.com', client_ip: '2001:db8:1:ab00::1' })
    await startOk(key, { channel: 'email', to: 'b@example.com', client_ip: '2001:db8:1:abff:ffff:ffff:ffff:fffe' })
    expectLimited(
      await start(key, { channel: 'email', to: 'c@example.com', client_ip: '2001:DB8:0001:AB12::3' }),
      'sends_per_ip_range',
      2,
      3600,
    )
    await startOk(key, { channel: 'email', to: 'c@example.com', client_ip: '2001:db8:1:ac00::1' })
    await startOk(key, { channel: 'email', to: 'd@example.com', client_ip: '2001:db8:2:ab00::1' })
    expect(t.capture.messages).toHaveLength(4)
  })
})

describe('sends_per_app', () => {
  it('caps every send of the app across identifiers, channels and addresses', async () => {
    const { appId, key } = await appWith({ sends_per_app: { max: 3, window_seconds: 3600 } })
    await startOk(key, { channel: 'email', to: 'a@example.com', client_ip: '203.0.113.1' })
    await startOk(key, { channel: 'sms', to: '+14155552671', client_ip: '198.51.100.1' })
    await startOk(key, { channel: 'email', to: 'b@example.com' })
    expectLimited(await start(key, { channel: 'sms', to: '+447400123456' }), 'sends_per_app', 3, 3600)
    expect(t.capture.messages).toHaveLength(3)
    expect(await verificationCount(appId)).toBe(3)
    // Another app's budget is its own.
    const other = await t.createApp()
    await startOk(other.key, { channel: 'sms', to: '+447400123456' })
  })
})

describe('sms_sends_per_country', () => {
  it('refuses further SMS to a country over its budget; other countries and email go on', async () => {
    const { appId, key } = await appWith({ sms_sends_per_country: { max: 2, window_seconds: 3600 } })
    await startOk(key, { channel: 'sms', to: '+447400123456' })
    await startOk(key, { channel: 'sms', to: '+447939594749' })
    expectLimited(await start(key, { channel: 'sms', to: '+447199190545' }), 'sms_sends_per_country', 2, 3600)
    await startOk(key, { channel: 'sms', to: '+491701234567' })
    await startOk(key, { channel: 'email', to: 'a@example.com' })
    expect(t.capture.messages.map((m) => m.to)).toEqual([
      '+447400123456',
      '+447939594749',
      '+491701234567',
      'a@example.com',
    ])
    expect(await verificationCount(appId)).toBe(4)
  })
})

describe('sms_sends_per_prefix', () => {
  it('refuses further SMS to one number range (country code and four digits); the next range goes on', async () => {
    const { key } = await appWith({ sms_sends_per_prefix: { max: 2, window_seconds: 3600 } })
    await startOk(key, { channel: 'sms', to: '+447400123456' })
    await startOk(key, { channel: 'sms', to: '+447400123457' })
    expectLimited(await start(key, { channel: 'sms', to: '+447400999999' }), 'sms_sends_per_prefix', 2, 3600)
    await startOk(key, { channel: 'sms', to: '+447401123456' })
    expect(t.capture.messages).toHaveLength(3)
  })
})

describe('failed_checks_per_identifier', () => {
  it('counts wrong codes across verifications of one identifier; then even the right code is refused and not counted', async () => {
    const { appId, key } = await appWith({ failed_checks_per_identifier: { max: 3, window_seconds: 86_400 } })
    const first = await startOk(key, { channel: 'email', to: 'ada@example.com' })
    const firstCode = t.capture.lastCode('ada@example.com')
    for (const remaining of [4, 3]) {
      const wrong = await t.request('POST', '/v1/verifications/verify', {
        key,
        body: { verification_id: first, verification_code: wrongCodeFor(firstCode) },
      })
      expect(wrong.statusCode).toBe(400)
      expect(wrong.json()).toMatchObject({ error: 'invalid_verification_code', attempts_remaining: remaining })
    }
    // A new verification (and a new code) does not reset the budget, nor does another spelling of the address.
    const second = await startOk(key, { channel: 'email', to: 'ADA@example.com' })
    const secondCode = t.capture.lastCode('ADA@example.com')
    const third = await t.request('POST', '/v1/verifications/verify', {
      key,
      body: { verification_id: second, verification_code: wrongCodeFor(secondCode) },
    })
    expect(third.json()).toMatchObject({ error: 'invalid_verification_code', attempts_remaining: 4 })

    const right = await t.request('POST', '/v1/verifications/verify', {
      key,
      body: { verification_id: second, verification_code: secondCode },
    })
    expectLimited(right, 'failed_checks_per_identifier', 3, 86_400)
    const after = (await t.request('GET', `/v1/verifications/${second}`, { key })).json()
    expect(after).toMatchObject({ status: 'pending', attempts: 1, attempts_remaining: 4 })
    // The first verification is held by the same budget.
    expectLimited(
      await t.request('POST', '/v1/verifications/verify', {
        key,
        body: { verification_id: first, verification_code: firstCode },
      }),
      'failed_checks_per_identifier',
      3,
      86_400,
    )
    expect((await t.request('GET', `/v1/verifications/${first}`, { key })).json()).toMatchObject({
      status: 'pending',
      attempts: 2,
    })
    // So is a verification started later.
    const fresh = await startOk(key, { channel: 'email', to: 'ada@example.com' })
    expectLimited(
      await t.request('POST', '/v1/verifications/verify', {
        key,
        body: { verification_id: fresh, verification_code: t.capture.lastCode('ada@example.com') },
      }),
      'failed_checks_per_identifier',
      3,
      86_400,
    )

    const limited = await events(appId, 'check.limited')
    expect(limited).toHaveLength(3)
    for (const event of limited) expect(event.to).toMatch(/^[aA]\*\*\*@e\*\*\*\.com$/)

    // Another identifier has its own budget.
    const other = await startOk(key, { channel: 'email', to: 'grace@example.com' })
    const ok = await t.request('POST', '/v1/verifications/verify', {
      key,
      body: { verification_id: other, verification_code: t.capture.lastCode('grace@example.com') },
    })
    expect(ok.statusCode).toBe(200)
  })

  it('keeps the default daily guessing budget far under NIST SP 800-63B’s 100 failures', async () => {
    const { appId } = await t.createApp()
    const app = (await t.request('GET', `/admin/v1/apps/${appId}`, { key: TEST_ADMIN_KEY })).json()
    expect(app.settings.limits.failed_checks_per_identifier).toEqual({ max: 30, window_seconds: 86_400 })
  })
})

describe('requests_per_key', () => {
  it('refuses requests over the key’s budget before they do anything; another key of the app has its own', async () => {
    const { appId, key } = await appWith({ requests_per_key: { max: 3, window_seconds: 60 } })
    await startOk(key, { channel: 'email', to: 'ada@example.com' })
    expect((await t.request('GET', '/v1/verifications/ver_unknown', { key })).statusCode).toBe(404)
    expect((await t.request('GET', '/v1/users/u_1/factors', { key })).statusCode).toBe(200)
    const refused = await start(key, { channel: 'email', to: 'grace@example.com' })
    expectLimited(refused, 'requests_per_key', 3, 60)
    expectLimited(await t.request('GET', '/v1/verifications/ver_unknown', { key }), 'requests_per_key', 3, 60)
    expect(t.capture.messages).toHaveLength(1)
    expect(await verificationCount(appId)).toBe(1)

    const second = await t.request('POST', `/admin/v1/apps/${appId}/keys`, { key: TEST_ADMIN_KEY, body: {} })
    expect(second.statusCode).toBe(201)
    await startOk(second.json().key, { channel: 'email', to: 'grace@example.com' })
  })

  it('is checked after authentication: an unknown key answers 401, not 429', async () => {
    const { key } = await appWith({ requests_per_key: { max: 1, window_seconds: 60 } })
    await t.request('GET', '/v1/users/u_1/factors', { key })
    const unknown = await t.request('GET', '/v1/users/u_1/factors', { key: 'tsk_not_a_key' })
    expect(unknown.statusCode).toBe(401)
  })
})

describe('resend', () => {
  it('counts against the send limits; a refused resend sends nothing and the current code keeps working', async () => {
    const { appId, key } = await appWith(
      { sends_per_identifier: { max: 2, window_seconds: 600 } },
      { channels: { email: { resend_cooldown_seconds: 0 } } },
    )
    const id = await startOk(key, { channel: 'email', to: 'ada@example.com' })
    const resent = await t.request('POST', `/v1/verifications/${id}/resend`, { key })
    expect(resent.statusCode).toBe(200)
    const code = t.capture.lastCode('ada@example.com')
    const refused = await t.request('POST', `/v1/verifications/${id}/resend`, { key })
    expectLimited(refused, 'sends_per_identifier', 2, 600)
    expect(t.capture.messages).toHaveLength(2)
    expect((await t.request('GET', `/v1/verifications/${id}`, { key })).json()).toMatchObject({
      sends: 2,
      sends_remaining: 3,
    })
    // A new verification to that address is refused by the same budget.
    expectLimited(await start(key, { channel: 'email', to: 'ada@example.com' }), 'sends_per_identifier', 2, 600)
    expect(await verificationCount(appId)).toBe(1)
    const ok = await t.request('POST', '/v1/verifications/verify', {
      key,
      body: { verification_id: id, verification_code: code },
    })
    expect(ok.statusCode).toBe(200)
  })
})

describe('a delivery failure', () => {
  it('refunds the send: the next start is still allowed', async () => {
    const { appId, key } = await appWith({
      sends_per_identifier: { max: 1, window_seconds: 600 },
      sends_per_app: { max: 1, window_seconds: 3600 },
    })
    t.capture.failNext()
    const failed = await start(key, { channel: 'email', to: 'ada@example.com', client_ip: '203.0.113.1' })
    expect(failed.statusCode).toBe(502)
    expect(failed.json()).toMatchObject({ error: 'delivery_failed', error_code: 5002 })
    expect(await verificationCount(appId)).toBe(0)
    await startOk(key, { channel: 'email', to: 'ada@example.com', client_ip: '203.0.113.1' })
    expectLimited(await start(key, { channel: 'email', to: 'ada@example.com' }), 'sends_per_app', 1, 3600)
  })

  it('refunds a resend: the next resend is still allowed', async () => {
    const { key } = await appWith(
      { sends_per_identifier: { max: 2, window_seconds: 600 } },
      { channels: { email: { resend_cooldown_seconds: 0 } } },
    )
    const id = await startOk(key, { channel: 'email', to: 'ada@example.com' })
    t.capture.failNext()
    expect((await t.request('POST', `/v1/verifications/${id}/resend`, { key })).statusCode).toBe(502)
    expect((await t.request('POST', `/v1/verifications/${id}/resend`, { key })).statusCode).toBe(200)
    expectLimited(await t.request('POST', `/v1/verifications/${id}/resend`, { key }), 'sends_per_identifier', 2, 600)
  })
})

describe('apps never share limits', () => {
  it('an app at its limits leaves another app’s identical traffic alone', async () => {
    const tight = await appWith({
      sends_per_identifier: { max: 1, window_seconds: 600 },
      sends_per_ip: { max: 1, window_seconds: 3600 },
      sms_sends_per_country: { max: 1, window_seconds: 3600 },
      failed_checks_per_identifier: { max: 1, window_seconds: 86_400 },
      requests_per_key: { max: 100, window_seconds: 60 },
    })
    const loose = await appWith({
      sends_per_identifier: { max: 1, window_seconds: 600 },
      sends_per_ip: { max: 1, window_seconds: 3600 },
      sms_sends_per_country: { max: 1, window_seconds: 3600 },
      failed_checks_per_identifier: { max: 1, window_seconds: 86_400 },
    })
    const body = { channel: 'sms', to: '+447400123456', client_ip: '203.0.113.1' }
    const first = await startOk(tight.key, body)
    const code = t.capture.lastCode('+447400123456')
    await t.request('POST', '/v1/verifications/verify', {
      key: tight.key,
      body: { verification_id: first, verification_code: wrongCodeFor(code) },
    })
    expect((await start(tight.key, body)).statusCode).toBe(429)
    expect(
      (
        await t.request('POST', '/v1/verifications/verify', {
          key: tight.key,
          body: { verification_id: first, verification_code: code },
        })
      ).statusCode,
    ).toBe(429)

    // The same identifier, address and country through the other app: all of its budget is there.
    const theirs = await startOk(loose.key, body)
    const ok = await t.request('POST', '/v1/verifications/verify', {
      key: loose.key,
      body: { verification_id: theirs, verification_code: t.capture.lastCode('+447400123456') },
    })
    expect(ok.statusCode).toBe(200)
  })

  it('one key at its request budget does not slow another app', async () => {
    const tight = await appWith({ requests_per_key: { max: 1, window_seconds: 60 } })
    const other = await t.createApp()
    await t.request('GET', '/v1/users/u_1/factors', { key: tight.key })
    expect((await t.request('GET', '/v1/users/u_1/factors', { key: tight.key })).statusCode).toBe(429)
    for (let i = 0; i < 5; i++) {
      expect((await t.request('GET', '/v1/users/u_1/factors', { key: other.key })).statusCode).toBe(200)
    }
  })
})
