import type { LightMyRequestResponse } from 'fastify'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'

let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

const GB = (n: number) => `+4474001234${String(n).padStart(2, '0')}`
const FR = (n: number) => `+3361234${String(n).padStart(4, '0')}`
const DE = (n: number) => `+49170123${String(n).padStart(4, '0')}`

function sendSms(key: string, to: string, extra: Record<string, unknown> = {}) {
  return t.request('POST', '/v1/verifications', { key, body: { channel: 'sms', to, ...extra } })
}

async function sendSmsOk(key: string, to: string): Promise<string> {
  const res = await sendSms(key, to)
  expect(res.statusCode, `${to}: ${res.body}`).toBe(201)
  return res.json().verification_id as string
}

async function approve(key: string, id: string, to: string): Promise<void> {
  const res = await t.request('POST', '/v1/verifications/verify', {
    key,
    body: { verification_id: id, verification_code: t.capture.lastCode(to) },
  })
  expect(res.statusCode, res.body).toBe(200)
}

async function verificationCount(appId: string): Promise<number> {
  const res = await t.request('GET', `/admin/v1/apps/${appId}/verifications?limit=200`, { key: TEST_ADMIN_KEY })
  return res.json().verifications.length as number
}

async function refusals(appId: string): Promise<Array<Record<string, unknown>>> {
  const res = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=send.refused`, { key: TEST_ADMIN_KEY })
  return res.json().events
}

function expectInvalidIdentifier(res: LightMyRequestResponse): void {
  expect(res.statusCode, res.body).toBe(400)
  expect(res.json()).toMatchObject({ error: 'invalid_identifier', error_code: 4011 })
  expect(typeof res.json().error_description).toBe('string')
}

describe('the example numbers', () => {
  it.each([
    [GB(0), 'GB'],
    [GB(99), 'GB'],
    [FR(0), 'FR'],
    [FR(9999), 'FR'],
    [DE(0), 'DE'],
    [DE(9999), 'DE'],
  ])('%s is a valid mobile number of %s', (e164, country) => {
    const phone = parsePhoneNumberFromString(e164)
    expect(phone?.isValid()).toBe(true)
    expect(phone?.country).toBe(country)
    expect(phone?.getType()).toBe('MOBILE')
  })
})

describe('countries', () => {
  it('blocked_countries answer 4011 invalid_identifier, send nothing and record why', async () => {
    const { appId, key } = await t.createApp({ channels: { sms: { blocked_countries: ['DE', 'FR'] } } })
    expectInvalidIdentifier(await sendSms(key, DE(1), { client_ip: '203.0.113.4' }))
    expectInvalidIdentifier(await sendSms(key, FR(1)))
    expect(t.capture.messages).toHaveLength(0)
    expect(await verificationCount(appId)).toBe(0)
    await sendSmsOk(key, GB(1))
    const events = await refusals(appId)
    expect(events).toHaveLength(2)
    expect(events.find((e) => e.client_ip === '203.0.113.4')).toMatchObject({
      details: { channel: 'sms', reason: 'blocked_country' },
    })
    expect(JSON.stringify(events)).not.toContain(DE(1).slice(1))
  })

  it('a non-empty allowed_countries list refuses every other country', async () => {
    const { key } = await t.createApp({ channels: { sms: { allowed_countries: ['GB'] } } })
    await sendSmsOk(key, GB(1))
    expectInvalidIdentifier(await sendSms(key, DE(1)))
    expectInvalidIdentifier(await sendSms(key, '+14155552671'))
    expect(t.capture.messages.map((m) => m.to)).toEqual([GB(1)])
  })

  it('blocked countries never apply to email', async () => {
    const { key } = await t.createApp({ channels: { sms: { allowed_countries: ['GB'] } } })
    const res = await t.request('POST', '/v1/verifications', { key, body: { channel: 'email', to: 'ada@example.de' } })
    expect(res.statusCode).toBe(201)
  })

  it('a blocked destination refused at factor binding leaves no factor behind', async () => {
    const { key } = await t.createApp({ channels: { sms: { blocked_countries: ['DE'] } } })
    const bound = await t.request('POST', '/v1/users/u_1/factors', { key, body: { type: 'sms', to: DE(1) } })
    expectInvalidIdentifier(bound)
    expect(t.capture.messages).toHaveLength(0)
    const factors = await t.request('GET', '/v1/users/u_1/factors', { key })
    expect(factors.json().factors).toEqual([])
  })
})

describe('ranges and number types refused by default', () => {
  it.each([
    ['+882 international network', '+8821073779713'],
    ['+883 international network', '+88338052849'],
    ['+881 satellite', '+881612345678'],
    ['+870 Inmarsat', '+870773111632'],
    ['+808 international shared cost', '+80827626402'],
    ['+979 international premium rate', '+979123456789'],
  ])('refuses the %s number %s by prefix', async (_name, e164) => {
    expect(parsePhoneNumberFromString(e164)?.isValid()).toBe(true)
    const { appId, key } = await t.createApp()
    expectInvalidIdentifier(await sendSms(key, e164))
    expect(t.capture.messages).toHaveLength(0)
    expect(await verificationCount(appId)).toBe(0)
    expect(await refusals(appId)).toMatchObject([{ details: { reason: 'blocked_prefix' } }])
  })

  it.each([
    ['PREMIUM_RATE', '+19005551234'],
    ['PREMIUM_RATE', '+449012345678'],
    ['SHARED_COST', '+33810488651'],
    ['TOLL_FREE', '+18884446442'],
    ['PAGER', '+447623388728'],
    ['UAN', '+445540394646'],
  ])('refuses a %s number (%s)', async (type, e164) => {
    expect(parsePhoneNumberFromString(e164)?.getType()).toBe(type)
    const { appId, key } = await t.createApp()
    expectInvalidIdentifier(await sendSms(key, e164))
    expect(t.capture.messages).toHaveLength(0)
    expect(await refusals(appId)).toMatchObject([{ details: { reason: 'blocked_number_type' } }])
  })

  it('refuses VoIP numbers only when VOIP is added to blocked_number_types', async () => {
    const voip = '+445642135321'
    expect(parsePhoneNumberFromString(voip)?.getType()).toBe('VOIP')
    const open = await t.createApp()
    await sendSmsOk(open.key, voip)

    const strict = await t.createApp({
      channels: {
        sms: {
          blocked_number_types: ['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'PAGER', 'UAN', 'VOICEMAIL', 'VOIP'],
        },
      },
    })
    expectInvalidIdentifier(await sendSms(strict.key, voip))
    await sendSmsOk(strict.key, GB(1))
    expect(t.capture.messages.map((m) => m.to)).toEqual([voip, GB(1)])
  })

  it('an operator may open a default-blocked range on purpose', async () => {
    const { key } = await t.createApp({
      channels: { sms: { blocked_prefixes: ['+870', '+808', '+881', '+883', '+979'] } },
    })
    await sendSmsOk(key, '+8821073779713')
  })
})

describe('conversion_guard', () => {
  const guard = { enabled: true, min_sends: 5, min_conversion_rate: 0.5 }

  it('throttles a country whose sends stop turning into approvals; other countries go on', async () => {
    const { appId, key } = await t.createApp({ channels: { sms: { conversion_guard: guard } } })
    for (let i = 0; i < 5; i++) await sendSmsOk(key, GB(i))
    const refused = await sendSms(key, GB(5))
    expect(refused.statusCode, refused.body).toBe(429)
    expect(refused.json()).toMatchObject({ error: 'rate_limited', error_code: 4029, limit: 'conversion_guard' })
    expect(refused.json().retry_after).toBe(3600)
    expect(refused.headers['retry-after']).toBe('3600')
    expect(refused.headers['ratelimit-remaining']).toBe('0')
    expect(t.capture.messages).toHaveLength(5)
    expect(await verificationCount(appId)).toBe(5)
    expect(await refusals(appId)).toMatchObject([{ details: { reason: 'conversion_guard' } }])

    await sendSmsOk(key, DE(1))
    // Email is not SMS: untouched.
    expect(
      (await t.request('POST', '/v1/verifications', { key, body: { channel: 'email', to: 'a@example.com' } }))
        .statusCode,
    ).toBe(201)
  })

  it('keeps a country open while enough sends are approved, and closes it once the rate falls below the minimum', async () => {
    const { key } = await t.createApp({ channels: { sms: { conversion_guard: guard } } })
    for (let i = 0; i < 5; i++) {
      const id = await sendSmsOk(key, FR(i))
      if (i < 3) await approve(key, id, FR(i))
    }
    // 3 of 5 approved (0.6): open.
    await sendSmsOk(key, FR(5))
    // 3 of 6 (0.5, not below the minimum): still open.
    await sendSmsOk(key, FR(6))
    // 3 of 7: closed.
    const refused = await sendSms(key, FR(7))
    expect(refused.statusCode).toBe(429)
    expect(refused.json().limit).toBe('conversion_guard')
    // An approval of an open verification reopens it.
    await approve(key, await lastVerificationTo(key, FR(6)), FR(6))
    await sendSmsOk(key, FR(7))
  })

  it('judges nothing below min_sends, and nothing at all when disabled (the default)', async () => {
    const guarded = await t.createApp({ channels: { sms: { conversion_guard: { ...guard, min_sends: 8 } } } })
    for (let i = 0; i < 8; i++) await sendSmsOk(guarded.key, GB(i))
    expect((await sendSms(guarded.key, GB(8))).statusCode).toBe(429)

    const plain = await t.createApp()
    for (let i = 10; i < 22; i++) await sendSmsOk(plain.key, GB(i))
  })

  it('keeps apps apart: one app’s collapsed conversion does not close the country for another', async () => {
    const first = await t.createApp({ channels: { sms: { conversion_guard: guard } } })
    const second = await t.createApp({ channels: { sms: { conversion_guard: guard } } })
    for (let i = 0; i < 5; i++) await sendSmsOk(first.key, GB(i))
    expect((await sendSms(first.key, GB(5))).statusCode).toBe(429)
    await sendSmsOk(second.key, GB(5))
  })
})

/** The id of the newest verification sent to `to` (by the captured message). */
async function lastVerificationTo(_key: string, to: string): Promise<string> {
  const message = [...t.capture.messages].reverse().find((m) => m.to === to)
  if (!message?.verificationId) throw new Error(`no message to ${to}`)
  return message.verificationId
}
