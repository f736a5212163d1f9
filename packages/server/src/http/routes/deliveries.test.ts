import { TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'
import {
  type FakeSmsProviders,
  startFakeSmsProviders,
  TWILIO,
  twilioCallback,
  twilioThenVonage,
  VONAGE,
  vonageReceipt,
} from '../../../test/helpers/fake-sms-providers.js'
import { it as base, describe, expect } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'

// An app's own SMS providers: Twilio with Vonage as fallback, against local servers speaking their APIs.

const PHONE = '+14155552671'
const CALLBACK = 'http://tessera.test/v1/providers/twilio/status'

const chain = (fake: FakeSmsProviders) => twilioThenVonage(fake.url, 300)

const it = base.extend<{
  /** The local Twilio and Vonage servers: started once per file. */
  fakeServers: FakeSmsProviders
  /** The same servers, answering normally and with no messages yet. */
  fake: FakeSmsProviders
  /** An app whose SMS go through Twilio, then Vonage. */
  chained: { appId: string; key: string; api: TestApi }
}>({
  fakeServers: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const fake = await startFakeSmsProviders()
      await use(fake)
      await fake.close()
    },
    { scope: 'file' },
  ],
  fake: async ({ fakeServers: fake }, use) => {
    fake.behaviour.twilio = 'ok'
    fake.behaviour.vonage = 'ok'
    fake.messages.length = 0
    await use(fake)
  },
  chained: async ({ fake, appWith }, use) => {
    await use(await appWith({ channels: { sms: { providers: chain(fake) } } }))
  },
})

/** A start body for an SMS (to PHONE unless told). */
const sms = (to = PHONE, extra: Record<string, unknown> = {}) => ({ channel: 'sms', to, ...extra })
const admin = { key: TEST_ADMIN_KEY }

describe('the provider chain', () => {
  it('sends through the first provider and shows it in deliveries', async ({ t, fake, chained: { api } }) => {
    const started = await api.start(sms())
    expect(started.statusCode).toBe(201)
    expect(fake.messages.map((m) => m.provider)).toEqual(['twilio'])
    expect(t.capture.messages).toHaveLength(0)
    const { deliveries } = (await api.get(started.json().verification_id)).json()
    expect(deliveries).toEqual([
      {
        provider: 'twilio',
        status: 'queued',
        provider_message_id: fake.messages[0]?.messageId,
        error_code: null,
        at: expect.any(String),
      },
    ])
  })

  it('fails over to Vonage when Twilio errors or times out, recording both attempts', async ({
    fake,
    chained: { api },
  }) => {
    fake.behaviour.twilio = 'rate_limited'
    const first = await api.start(sms())
    expect(first.statusCode).toBe(201)
    expect((await api.get(first.json().verification_id)).json().deliveries).toMatchObject([
      { provider: 'twilio', status: 'failed', error_code: '20429' },
      { provider: 'vonage', status: 'sent', provider_message_id: fake.messages[0]?.messageId },
    ])
    fake.behaviour.twilio = 'hang'
    const second = await api.start(sms('+14155552672'))
    expect(second.statusCode).toBe(201)
    expect((await api.get(second.json().verification_id)).json().deliveries).toMatchObject([
      { provider: 'twilio', status: 'failed', error_code: 'timeout' },
      { provider: 'vonage', status: 'sent' },
    ])
  })

  it('answers 4011 for a number the provider says is invalid, without trying the next', async ({
    t,
    fake,
    chained: { appId, api },
  }) => {
    fake.behaviour.twilio = 'invalid_number'
    const res = await api.start(sms())
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_identifier', error_code: 4011 })
    expect(fake.messages).toHaveLength(0)
    const events = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=delivery.failed`, admin)
    expect(events.json().events[0].details).toMatchObject({
      reason: 'invalid_recipient',
      attempts: [{ provider: 'twilio', error_code: '21211' }],
    })
  })

  it('answers 502 delivery_failed when every provider fails, and the code never counts', async ({
    fake,
    chained: { api },
  }) => {
    fake.behaviour.twilio = 'server_error'
    fake.behaviour.vonage = 'server_error'
    const res = await api.start(sms())
    expect(res.statusCode).toBe(502)
    expect(res.json()).toMatchObject({ error: 'delivery_failed', error_code: 5002 })
  })

  it('renders the message in the request’s language, with the origin-bound line for the app’s web origin', async ({
    t,
    fake,
    chained: { appId, api },
  }) => {
    await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: { settings: { web_origin: 'https://acme.example' } },
    })
    await api.start(sms(PHONE, { locale: 'ja-JP' }))
    const text = fake.messages[0]?.text ?? ''
    expect(text).toContain('認証コード')
    expect(text).toMatch(/\n\n@acme\.example #\d{6}$/)
  })
})

describe('status callbacks', () => {
  async function sentThroughTwilio(api: TestApi, fake: FakeSmsProviders) {
    const started = await api.start(sms())
    const sid = fake.messages[0]?.messageId ?? ''
    return { id: started.json().verification_id as string, sid }
  }
  const postTwilio = (t: TestApp, signed: { body: string; headers: Record<string, string> }) =>
    t.tessera.server.inject({
      method: 'POST',
      url: '/v1/providers/twilio/status',
      headers: signed.headers,
      payload: signed.body,
    })

  it('a signed Twilio callback moves the delivery to delivered; a late "sent" does not move it back', async ({
    t,
    fake,
    chained: { api },
  }) => {
    const { id, sid } = await sentThroughTwilio(api, fake)
    expect(fake.messages[0]?.callbackUrl).toBe(CALLBACK)
    const delivered = await postTwilio(t, twilioCallback(CALLBACK, { MessageSid: sid, MessageStatus: 'delivered' }))
    expect(delivered.statusCode).toBe(204)
    const late = await postTwilio(t, twilioCallback(CALLBACK, { MessageSid: sid, MessageStatus: 'sent' }))
    expect(late.statusCode).toBe(204)
    expect((await api.get(id)).json().deliveries).toMatchObject([
      { provider: 'twilio', status: 'delivered', error_code: null },
    ])
  })

  it('refuses forged and unsigned callbacks with 401 and changes nothing', async ({
    t,
    fake,
    chained: { appId, api },
  }) => {
    const { id, sid } = await sentThroughTwilio(api, fake)
    const forged = await postTwilio(
      t,
      twilioCallback(CALLBACK, { MessageSid: sid, MessageStatus: 'delivered' }, 'guessed-token-0'),
    )
    expect(forged.statusCode).toBe(401)
    expect(forged.json()).toMatchObject({ error: 'unauthorized', error_code: 4010 })
    const { body } = twilioCallback(CALLBACK, { MessageSid: sid, MessageStatus: 'failed' })
    const unsigned = await t.tessera.server.inject({
      method: 'POST',
      url: '/v1/providers/twilio/status',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    })
    expect(unsigned.statusCode).toBe(401)
    // Signed, about a message Tessera did not send (another system on the same account): acknowledged, so the
    // provider does not retry, and it changes nothing.
    const unknown = await postTwilio(t, twilioCallback(CALLBACK, { MessageSid: 'SMnope', MessageStatus: 'delivered' }))
    expect(unknown.statusCode).toBe(204)
    const unknownForged = await postTwilio(
      t,
      twilioCallback(CALLBACK, { MessageSid: 'SMnope', MessageStatus: 'delivered' }, 'guessed-token-0'),
    )
    expect(unknownForged.statusCode).toBe(401)
    expect((await api.get(id)).json().deliveries).toMatchObject([{ status: 'queued' }])
    const refused = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=delivery.callback_refused`, admin)
    // One event per message per minute, however many forgeries: the route takes no key.
    expect(refused.json().events).toHaveLength(1)
  })

  it('reads the apps once for a flood of signed callbacks about no message of ours, and again for a new provider a second later', async ({
    t,
    fake,
    appWith,
  }) => {
    const apps = t.tessera.store.apps
    const list = apps.list.bind(apps)
    let reads = 0
    apps.list = (options) => {
      reads++
      return list(options)
    }
    // No app has Twilio yet: refused, and the apps were read once.
    const none = await postTwilio(t, twilioCallback(CALLBACK, { MessageSid: 'SMother0', MessageStatus: 'sent' }))
    expect(none.statusCode).toBe(401)
    expect(reads).toBe(1)
    await appWith({ channels: { sms: { providers: chain(fake) } } })
    // Configured moments after the read: not seen until the list is a second old, however many knock.
    const flood = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        postTwilio(t, twilioCallback(CALLBACK, { MessageSid: `SMother${i + 1}`, MessageStatus: 'sent' })),
      ),
    )
    expect(flood.map((res) => res.statusCode)).toEqual(Array(40).fill(401))
    expect(reads).toBe(1)
    t.clock.advanceSeconds(1)
    const seen = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        postTwilio(t, twilioCallback(CALLBACK, { MessageSid: `SMlater${i}`, MessageStatus: 'delivered' })),
      ),
    )
    expect(seen.map((res) => res.statusCode)).toEqual(Array(40).fill(204))
    // One fresh read, shared by the concurrent callbacks; the forged ones that follow find nothing and read nothing.
    expect(reads).toBe(2)
    const forged = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postTwilio(
          t,
          twilioCallback(CALLBACK, { MessageSid: `SMforged${i}`, MessageStatus: 'delivered' }, 'guessed-token-0'),
        ),
      ),
    )
    expect(forged.map((res) => res.statusCode)).toEqual(Array(20).fill(401))
    expect(reads).toBe(2)
  })

  it('stops acknowledging callbacks signed with a removed provider’s credentials within a minute', async ({
    t,
    chained: { appId },
  }) => {
    const signed = (n: number) => twilioCallback(CALLBACK, { MessageSid: `SMelsewhere${n}`, MessageStatus: 'sent' })
    expect((await postTwilio(t, signed(1))).statusCode).toBe(204)
    const removed = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: { settings: { channels: { sms: { providers: [] } } } },
    })
    expect(removed.statusCode).toBe(200)
    t.clock.advanceSeconds(60)
    expect((await postTwilio(t, signed(2))).statusCode).toBe(401)
  })

  it('a signed Vonage delivery receipt (GET or POST JSON) records undelivered with its error code', async ({
    t,
    fake,
    chained: { api },
  }) => {
    fake.behaviour.twilio = 'server_error'
    const started = await api.start(sms())
    const messageId = fake.messages[0]?.messageId ?? ''
    const receipt = vonageReceipt({ messageId, status: 'expired', 'err-code': '5' }, t.clock.nowMs())
    const res = await t.tessera.server.inject({
      method: 'GET',
      url: `/v1/providers/vonage/status?${new URLSearchParams(receipt)}`,
    })
    expect(res.statusCode).toBe(204)
    expect((await api.get(started.json().verification_id)).json().deliveries).toMatchObject([
      { provider: 'twilio', status: 'failed' },
      { provider: 'vonage', status: 'undelivered', error_code: '5' },
    ])
    const forged = vonageReceipt({ messageId, status: 'delivered' }, t.clock.nowMs(), 'not-the-secret')
    const refused = await t.tessera.server.inject({
      method: 'POST',
      url: '/v1/providers/vonage/status',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(forged),
    })
    expect(refused.statusCode).toBe(401)
  })

  it('answers 404 for a provider without callbacks and 400 for an empty callback', async ({ t }) => {
    expect(
      (await t.tessera.server.inject({ method: 'POST', url: '/v1/providers/smtp/status', payload: { a: 1 } }))
        .statusCode,
    ).toBe(404)
    expect((await t.tessera.server.inject({ method: 'GET', url: '/v1/providers/twilio/status' })).statusCode).toBe(400)
  })

  it('survives many parallel callbacks for one message: one final status, no error', async ({
    t,
    fake,
    chained: { api },
  }) => {
    const { id, sid } = await sentThroughTwilio(api, fake)
    const statuses = ['sent', 'delivered', 'sent', 'queued', 'delivered', 'sent']
    const answers = await Promise.all(
      statuses.map((status) => postTwilio(t, twilioCallback(CALLBACK, { MessageSid: sid, MessageStatus: status }))),
    )
    expect(answers.every((answer) => answer.statusCode === 204)).toBe(true)
    expect((await api.get(id)).json().deliveries[0].status).toBe('delivered')
  })
})

describe('provider settings', () => {
  it('are validated against each provider’s schema, naming the field', async ({ t, fake, chained: { appId } }) => {
    const bad = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: {
        settings: { channels: { sms: { providers: [{ type: 'twilio', account_sid: 'nope', auth_token: 'x' }] } } },
      },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error_description).toMatch(/settings\.channels\.sms\.providers\.0: account_sid/)
    const unknown = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: { settings: { channels: { sms: { providers: [{ type: 'pigeon' }] } } } },
    })
    expect(unknown.json().error_description).toMatch(/unknown provider "pigeon"/)
    const wrongChannel = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: { settings: { channels: { email: { providers: [chain(fake)[0]] } } } },
    })
    expect(wrongChannel.json().error_description).toMatch(/cannot carry email/)
  })

  it('keep secrets write-only: masked on read, encrypted at rest, kept when sent back masked', async ({
    t,
    fake,
    chained: { appId, api },
  }) => {
    const read1 = await t.request('GET', `/admin/v1/apps/${appId}`, admin)
    const providers = read1.json().settings.channels.sms.providers
    expect(providers[0]).toMatchObject({ type: 'twilio', account_sid: TWILIO.accountSid, auth_token: '********' })
    expect(providers[1]).toMatchObject({ api_secret: '********', signature_secret: '********' })
    const row = await t.tessera.store.apps.findById(appId)
    expect(row?.settings).not.toContain(TWILIO.authToken)
    expect(row?.settings).not.toContain(VONAGE.apiSecret)
    // The console's round trip: what was read is written back; the secrets survive and still work.
    const written = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: { settings: { channels: { sms: { providers: [providers[1], providers[0]] } } } },
    })
    expect(written.statusCode).toBe(400)
    expect(written.json().error_description).toMatch(/providers\.0\.api_secret: give the secret itself/)
    const same = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: { settings: { channels: { sms: { providers } } } },
    })
    expect(same.statusCode).toBe(200)
    expect((await api.start(sms())).statusCode).toBe(201)
    expect(fake.refusals).toEqual([])
  })
})

describe('templates', () => {
  it('refuse unknown placeholders and a template without {code}', async ({ t, chained: { appId } }) => {
    const res = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: {
        settings: {
          templates: { sms: { login: { fr: { text: 'Code {code} pour {user}' } }, '*': { en: { text: 'hi' } } } },
        },
      },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_description).toContain('settings.templates.sms.login.fr.text: unknown placeholder {user}')
    expect(res.json().error_description).toContain('settings.templates.sms.*.en.text: must contain {code}')
  })

  it('flag an SMS template that needs more than one segment, and use the app’s text for its scene', async ({
    t,
    fake,
    chained: { appId, api },
  }) => {
    const long = `Привет! Ваш код для входа в {app_name}: {code}. Он действует {minutes} минут. Никому его не сообщайте.`
    const res = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: { settings: { templates: { sms: { login: { ru: { text: long } } } } } },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().warnings).toEqual([
      {
        path: 'settings.templates.sms.login.ru.text',
        code: 'sms_multiple_segments',
        message: expect.stringMatching(/UCS-2.*2 segments/),
      },
    ])
    await api.start(sms(PHONE, { scene: 'login', locale: 'ru' }))
    expect(fake.messages[0]?.text).toMatch(/^Привет! Ваш код для входа в Acme: \d{6}\. Он действует 10 минут/)
  })

  it('preview a draft with the segment count, without saving it', async ({ t, chained: { appId } }) => {
    const res = await t.request('POST', `/admin/v1/apps/${appId}/templates/preview`, {
      ...admin,
      body: { channel: 'sms', scene: 'login', locale: 'en', template: { text: '{app_name} code: {code}' } },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      locale: 'en',
      subject: '',
      text: 'Acme code: 000000',
      html: '',
      sms_segments: { encoding: 'GSM-7', segments: 1, characters: 17 },
    })
    const email = await t.request('POST', `/admin/v1/apps/${appId}/templates/preview`, {
      ...admin,
      body: { channel: 'email', locale: 'ar' },
    })
    expect(email.json().html).toContain('dir="rtl"')
    const bad = await t.request('POST', `/admin/v1/apps/${appId}/templates/preview`, {
      ...admin,
      body: { channel: 'sms', template: { text: '{oops}' } },
    })
    expect(bad.statusCode).toBe(400)
    const saved = await t.request('GET', `/admin/v1/apps/${appId}`, admin)
    expect(saved.json().settings.templates.sms).toEqual({})
  })
})
