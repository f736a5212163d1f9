import pino from 'pino'
import { TEST_ADMIN_KEY } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { summarizeActivity } from '../../core/activity-stats.js'
import { createEventLog } from '../../core/event-log.js'

const REVIEWER_PHONE = '+447400123499'
const REVIEWER_EMAIL = 'Reviewer@Example.com'
const FIXED_SMS = '424242'
const FIXED_EMAIL = '135790'
const testRecipients = {
  test_recipients: [
    { to: REVIEWER_PHONE, code: FIXED_SMS },
    { to: REVIEWER_EMAIL, code: FIXED_EMAIL },
  ],
}
const GB = (n: number) => `+4474001234${String(n).padStart(2, '0')}`

describe('test recipients: settings', () => {
  it('are saved when each is a phone or address with a code of the channel’s length and alphabet', async ({ t }) => {
    const res = await t.request('POST', '/admin/v1/apps', {
      key: TEST_ADMIN_KEY,
      body: { name: 'Reviewed', settings: testRecipients },
    })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().settings).toMatchObject({ ...testRecipients, allow_test_recipients_in_production: false })
  })

  it.for([
    [
      'a `to` that is neither a phone number nor an address',
      [{ to: 'not-a-recipient', code: '123456' }],
      'test_recipients.0.to',
    ],
    ['a code of the wrong length', [{ to: REVIEWER_PHONE, code: '12345' }], 'test_recipients.0.code'],
    ['a code outside the alphabet', [{ to: REVIEWER_EMAIL, code: '12345a' }], 'test_recipients.0.code'],
    [
      'one recipient twice (spelled two ways)',
      [
        { to: 'a@example.com', code: '111111' },
        { to: 'a@EXAMPLE.com', code: '222222' },
      ],
      'test_recipients.1.to',
    ],
    ['a field the entry does not have', [{ to: REVIEWER_PHONE, code: '123456', note: 'x' }], 'test_recipients.0'],
  ] as const)('refuse %s, naming the field, and save nothing', async ([, entries, path], { t, app }) => {
    const res = await t.request('PATCH', `/admin/v1/apps/${app.appId}`, {
      key: TEST_ADMIN_KEY,
      body: { settings: { test_recipients: entries } },
    })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request', error_code: 4000 })
    expect(res.json().error_description).toContain(`settings.${path}`)
    const stored = await t.request('GET', `/admin/v1/apps/${app.appId}`, { key: TEST_ADMIN_KEY })
    expect(stored.json().settings.test_recipients).toEqual([])
  })

  it('follow the channel’s code format: alphanumeric codes of the configured length', async ({ t, app }) => {
    const settings = {
      channels: { email: { code_alphabet: 'alphanumeric', code_length: 8 } },
      test_recipients: [{ to: REVIEWER_EMAIL, code: 'AB23CD45' }],
    }
    const res = await t.request('PATCH', `/admin/v1/apps/${app.appId}`, { key: TEST_ADMIN_KEY, body: { settings } })
    expect(res.statusCode, res.body).toBe(200)
  })

  it('hold at most 50 entries', async ({ t, app }) => {
    const entries = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ to: `tester${i}@example.com`, code: String(100000 + i) }))
    const fifty = await t.request('PATCH', `/admin/v1/apps/${app.appId}`, {
      key: TEST_ADMIN_KEY,
      body: { settings: { test_recipients: entries(50) } },
    })
    expect(fifty.statusCode, fifty.body).toBe(200)
    const more = await t.request('PATCH', `/admin/v1/apps/${app.appId}`, {
      key: TEST_ADMIN_KEY,
      body: { settings: { test_recipients: entries(51) } },
    })
    expect(more.statusCode).toBe(400)
    expect(more.json().error_description).toContain('settings.test_recipients')
  })
})

describe('test recipients: verifications', () => {
  it.scoped({ settings: testRecipients })

  it('send nothing, accept only the fixed code, and are marked test in the answer and the events', async ({
    t,
    api,
    app,
    admin,
  }) => {
    const started = await api.start({ channel: 'sms', to: REVIEWER_PHONE })
    expect(started.statusCode, started.body).toBe(201)
    const body = started.json()
    expect(body).toMatchObject({ status: 'pending', channel: 'sms', test: true, attempts_remaining: 5 })
    expect(t.capture.messages).toHaveLength(0)
    const id: string = body.verification_id

    const wrong = await api.verify(id, '000000')
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json()).toMatchObject({ error: 'invalid_verification_code', attempts_remaining: 4 })
    const read = await api.get(id)
    expect(read.json()).toMatchObject({ test: true, attempts: 1, deliveries: [] })

    const right = await api.verify(id, FIXED_SMS)
    expect(right.statusCode, right.body).toBe(200)
    const token = right.json().verification_token
    expect((await api.introspect(token)).json()).toMatchObject({ active: true, to: REVIEWER_PHONE, channel: 'sms' })

    expect(await admin.events(app.appId, 'verification.started')).toMatchObject([
      { verification_id: id, details: { channel: 'sms', test: true, sent: false } },
    ])
    expect(await admin.events(app.appId, 'verification.attempt_failed')).toMatchObject([
      { verification_id: id, details: { test: true } },
    ])
    expect((await admin.verifications(app.appId))[0]).toMatchObject({ verification_id: id, test: true })
  })

  it('match an address whatever its case, and leave every other recipient alone', async ({ t, api }) => {
    const test = await api.start({ channel: 'email', to: 'reviewer@example.COM' })
    expect(test.json()).toMatchObject({ test: true })
    const real = await api.startOk({ channel: 'email', to: 'someone@example.com' })
    expect((await api.get(real.id)).json().test).toBe(false)
    expect(t.capture.messages.map((message) => message.to)).toEqual(['someone@example.com'])
    // A fixed code of one recipient is nothing to another verification.
    expect((await api.verify(real.id, FIXED_EMAIL)).statusCode).toBe(real.code === FIXED_EMAIL ? 200 : 400)
    expect((await api.verify(test.json().verification_id, FIXED_EMAIL)).statusCode).toBe(200)
  })

  it('Twilio’s magic numbers are ordinary numbers', async ({ t, appWith }) => {
    const { api } = await appWith({ channels: { sms: { blocked_number_types: [] } } })
    const res = await api.start({ channel: 'sms', to: '+15005550006' })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().test).toBe(false)
    expect(t.capture.messages.map((message) => message.to)).toEqual(['+15005550006'])
  })

  it('count attempts, lock and expire as usual', async ({ t, api }) => {
    const locked = (await api.start({ channel: 'sms', to: REVIEWER_PHONE })).json().verification_id
    for (let i = 0; i < 4; i++) expect((await api.verify(locked, '000000')).statusCode).toBe(400)
    expect((await api.verify(locked, '000000')).statusCode).toBe(429)
    expect((await api.verify(locked, FIXED_SMS)).statusCode).toBe(429)

    const expiring = (await api.start({ channel: 'sms', to: REVIEWER_PHONE })).json().verification_id
    t.clock.advanceSeconds(10 * 60 + 1)
    const late = await api.verify(expiring, FIXED_SMS)
    expect(late.statusCode).toBe(410)
    expect(late.json()).toMatchObject({ error: 'verification_expired' })
  })

  it('resend sends nothing and keeps the fixed code; cooldown and send limits hold', async ({ t, api }) => {
    const id = (await api.start({ channel: 'sms', to: REVIEWER_PHONE })).json().verification_id
    expect((await api.resend(id)).statusCode).toBe(429)
    t.clock.advanceSeconds(60)
    const resent = await api.resend(id)
    expect(resent.statusCode, resent.body).toBe(200)
    expect(resent.json()).toMatchObject({ test: true, sends: 2 })
    expect(t.capture.messages).toHaveLength(0)
    expect((await api.verify(id, FIXED_SMS)).statusCode).toBe(200)
  })

  it('pass no send limit (nothing is sent) and stay out of the pumping guard’s conversion figures', async ({
    t,
    appWith,
  }) => {
    const { api } = await appWith({
      ...testRecipients,
      channels: { sms: { conversion_guard: { enabled: true, min_sends: 2, min_conversion_rate: 0.5 } } },
      limits: { sends_per_identifier: { max: 2, window_seconds: 600 } },
    })
    // Many approved test verifications to a GB number: were they counted, GB would look healthy.
    for (let i = 0; i < 6; i++) {
      const id = (await api.start({ channel: 'sms', to: REVIEWER_PHONE })).json().verification_id
      expect((await api.verify(id, FIXED_SMS)).statusCode).toBe(200)
    }
    // Real GB traffic that never converts: two sends, then the guard refuses.
    await api.startOk({ channel: 'sms', to: GB(1) })
    await api.startOk({ channel: 'sms', to: GB(2) })
    const refused = await api.start({ channel: 'sms', to: GB(3) })
    expect(refused.statusCode).toBe(429)
    expect(refused.json()).toMatchObject({ error: 'rate_limited', limit: 'conversion_guard' })
    expect(t.capture.messages).toHaveLength(2)
  })

  it('are left out of the dashboard’s figures', async ({ t, api, app }) => {
    const test = (await api.start({ channel: 'sms', to: REVIEWER_PHONE })).json().verification_id
    expect((await api.verify(test, FIXED_SMS)).statusCode).toBe(200)
    const real = await api.startOk({ channel: 'sms', to: GB(7) })
    const now = t.clock.nowMs()
    const summary = await summarizeActivity(
      {
        store: t.tessera.store,
        clock: t.clock,
        events: createEventLog({ events: t.tessera.store.events, clock: t.clock, logger: pino({ level: 'silent' }) }),
      },
      app.appId,
      { fromMs: now - 3_600_000, toMs: now + 1, bucketMs: 3_600_000 },
    )
    expect(summary.totals).toMatchObject({ verifications: 1, approved: 0, sends: 1, pending: 1 })
    expect(real.id).toBeTruthy()
  })
})
