import type { LightMyRequestResponse } from 'fastify'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'

const GB = (n: number) => `+4474001234${String(n).padStart(2, '0')}`
const FR = (n: number) => `+3361234${String(n).padStart(4, '0')}`
const DE = (n: number) => `+49170123${String(n).padStart(4, '0')}`

/** A start body for an SMS to `to`. */
const sms = (to: string, extra: Record<string, unknown> = {}) => ({ channel: 'sms', to, ...extra })

async function approve(api: TestApi, started: { id: string; code: string }): Promise<void> {
  const res = await api.verify(started.id, started.code)
  expect(res.statusCode, res.body).toBe(200)
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
  it('blocked_countries answer 4011 invalid_identifier, send nothing and record why', async ({ t, appWith, admin }) => {
    const { appId, api } = await appWith({ channels: { sms: { blocked_countries: ['DE', 'FR'] } } })
    expectInvalidIdentifier(await api.start(sms(DE(1), { client_ip: '203.0.113.4' })))
    expectInvalidIdentifier(await api.start(sms(FR(1))))
    expect(t.capture.messages).toHaveLength(0)
    expect(await admin.verifications(appId)).toHaveLength(0)
    await api.startOk(sms(GB(1)))
    const events = await admin.events(appId, 'send.refused')
    expect(events).toHaveLength(2)
    expect(events.find((e) => e.client_ip === '203.0.113.4')).toMatchObject({
      details: { channel: 'sms', reason: 'country', rule: 'blocked_country' },
    })
    expect(JSON.stringify(events)).not.toContain(DE(1).slice(1))
  })

  it('a non-empty allowed_countries list refuses every other country', async ({ t, appWith }) => {
    const { api } = await appWith({ channels: { sms: { allowed_countries: ['GB'] } } })
    await api.startOk(sms(GB(1)))
    expectInvalidIdentifier(await api.start(sms(DE(1))))
    expectInvalidIdentifier(await api.start(sms('+14155552671')))
    expect(t.capture.messages.map((m) => m.to)).toEqual([GB(1)])
  })

  it('blocked countries never apply to email', async ({ appWith }) => {
    const { api } = await appWith({ channels: { sms: { allowed_countries: ['GB'] } } })
    const res = await api.start({ channel: 'email', to: 'ada@example.de' })
    expect(res.statusCode).toBe(201)
  })

  it('a blocked destination refused at factor binding leaves no factor behind', async ({ t, appWith }) => {
    const { api } = await appWith({ channels: { sms: { blocked_countries: ['DE'] } } })
    const bound = await api.bind('u_1', { type: 'sms', to: DE(1) })
    expectInvalidIdentifier(bound)
    expect(t.capture.messages).toHaveLength(0)
    expect(await api.factors('u_1')).toEqual([])
  })
})

describe('ranges and number types refused by default', () => {
  it.for([
    ['+882 international network', '+8821073779713'],
    ['+883 international network', '+88338052849'],
    ['+881 satellite', '+881612345678'],
    ['+870 Inmarsat', '+870773111632'],
    ['+808 international shared cost', '+80827626402'],
    ['+979 international premium rate', '+979123456789'],
  ] as const)('refuses the %s number %s by prefix', async ([_name, e164], { t, app: { appId }, api, admin }) => {
    expect(parsePhoneNumberFromString(e164)?.isValid()).toBe(true)
    expectInvalidIdentifier(await api.start(sms(e164)))
    expect(t.capture.messages).toHaveLength(0)
    expect(await admin.verifications(appId)).toHaveLength(0)
    expect(await admin.events(appId, 'send.refused')).toMatchObject([
      { details: { reason: 'premium_number', rule: 'blocked_prefix' } },
    ])
  })

  it.for([
    ['PREMIUM_RATE', '+19005551234'],
    ['PREMIUM_RATE', '+449012345678'],
    ['SHARED_COST', '+33810488651'],
    ['TOLL_FREE', '+18884446442'],
    ['PAGER', '+447623388728'],
    ['UAN', '+445540394646'],
  ] as const)('refuses a %s number (%s)', async ([type, e164], { t, app: { appId }, api, admin }) => {
    expect(parsePhoneNumberFromString(e164)?.getType()).toBe(type)
    expectInvalidIdentifier(await api.start(sms(e164)))
    expect(t.capture.messages).toHaveLength(0)
    expect(await admin.events(appId, 'send.refused')).toMatchObject([
      { details: { reason: 'premium_number', rule: 'blocked_number_type' } },
    ])
  })

  it('refuses VoIP numbers only when VOIP is added to blocked_number_types', async ({ t, appWith }) => {
    const voip = '+445642135321'
    expect(parsePhoneNumberFromString(voip)?.getType()).toBe('VOIP')
    const open = await appWith()
    await open.api.startOk(sms(voip))

    const strict = await appWith({
      channels: {
        sms: {
          blocked_number_types: ['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'PAGER', 'UAN', 'VOICEMAIL', 'VOIP'],
        },
      },
    })
    expectInvalidIdentifier(await strict.api.start(sms(voip)))
    await strict.api.startOk(sms(GB(1)))
    expect(t.capture.messages.map((m) => m.to)).toEqual([voip, GB(1)])
  })

  it('an operator may open a default-blocked range on purpose', async ({ appWith }) => {
    const { api } = await appWith({
      channels: { sms: { blocked_prefixes: ['+870', '+808', '+881', '+883', '+979'] } },
    })
    await api.startOk(sms('+8821073779713'))
  })
})

describe('conversion_guard', () => {
  const guard = { enabled: true, min_sends: 5, min_conversion_rate: 0.5 }

  it('throttles a country whose sends stop turning into approvals; other countries go on', async ({
    t,
    appWith,
    admin,
  }) => {
    const { appId, api } = await appWith({ channels: { sms: { conversion_guard: guard } } })
    for (let i = 0; i < 5; i++) await api.startOk(sms(GB(i)))
    const refused = await api.start(sms(GB(5)))
    expect(refused.statusCode, refused.body).toBe(429)
    expect(refused.json()).toMatchObject({ error: 'rate_limited', error_code: 4029, limit: 'conversion_guard' })
    expect(refused.json().retry_after).toBe(3600)
    expect(refused.headers['retry-after']).toBe('3600')
    expect(refused.headers['ratelimit-remaining']).toBe('0')
    expect(t.capture.messages).toHaveLength(5)
    expect(await admin.verifications(appId)).toHaveLength(5)
    expect(await admin.events(appId, 'send.refused')).toMatchObject([
      { details: { reason: 'conversion_guard', rule: 'conversion_guard' } },
    ])

    await api.startOk(sms(DE(1)))
    // Email is not SMS: untouched.
    expect((await api.start({ channel: 'email', to: 'a@example.com' })).statusCode).toBe(201)
  })

  it('keeps a country open while enough sends are approved, and closes it once the rate falls below the minimum', async ({
    appWith,
  }) => {
    const { api } = await appWith({ channels: { sms: { conversion_guard: guard } } })
    for (let i = 0; i < 5; i++) {
      const started = await api.startOk(sms(FR(i)))
      if (i < 3) await approve(api, started)
    }
    // 3 of 5 approved (0.6): open.
    await api.startOk(sms(FR(5)))
    // 3 of 6 (0.5, not below the minimum): still open.
    const sixth = await api.startOk(sms(FR(6)))
    // 3 of 7: closed.
    const refused = await api.start(sms(FR(7)))
    expect(refused.statusCode).toBe(429)
    expect(refused.json().limit).toBe('conversion_guard')
    // An approval of an open verification reopens it.
    await approve(api, sixth)
    await api.startOk(sms(FR(7)))
  })

  it('judges nothing below min_sends, and nothing at all when disabled (the default)', async ({ appWith }) => {
    const guarded = await appWith({ channels: { sms: { conversion_guard: { ...guard, min_sends: 8 } } } })
    for (let i = 0; i < 8; i++) await guarded.api.startOk(sms(GB(i)))
    expect((await guarded.api.start(sms(GB(8)))).statusCode).toBe(429)

    const plain = await appWith()
    for (let i = 10; i < 22; i++) await plain.api.startOk(sms(GB(i)))
  })

  it('keeps apps apart: one app’s collapsed conversion does not close the country for another', async ({ appWith }) => {
    const first = await appWith({ channels: { sms: { conversion_guard: guard } } })
    const second = await appWith({ channels: { sms: { conversion_guard: guard } } })
    for (let i = 0; i < 5; i++) await first.api.startOk(sms(GB(i)))
    expect((await first.api.start(sms(GB(5)))).statusCode).toBe(429)
    await second.api.startOk(sms(GB(5)))
  })
})
