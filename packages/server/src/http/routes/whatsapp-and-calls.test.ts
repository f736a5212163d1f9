import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'
import { TWILIO } from '../../../test/helpers/fake-sms-providers.js'
import {
  META,
  metaEntry,
  metaReceipt,
  TWILIO_CALL,
  TWILIO_WHATSAPP,
  twilioCallCallback,
  twilioCallEntry,
  twilioWhatsappEntry,
  useFakeVoiceAndChatProviders,
  VONAGE_VOICE,
  vonageVoiceEntry,
  vonageVoiceEvent,
} from '../../../test/helpers/fake-voice-and-chat-providers.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { twilioSignature } from '../../delivery/twilio/twilio-signature.js'

// WhatsApp and voice calls over HTTP, against local servers that speak the Meta Cloud API, Twilio's Messages and
// Calls APIs and the Vonage Voice API: the requests as the APIs document them, signed and forged receipts.

const fakes = useFakeVoiceAndChatProviders({ beforeAll, afterAll, beforeEach })
const PHONE = '+14155552671'
const admin = { key: TEST_ADMIN_KEY }
const STATUS_URL = (provider: string) => `http://tessera.test/v1/providers/${provider}/status`

const post = (t: TestApp, provider: string, signed: { body: string; headers: Record<string, string> }) =>
  t.tessera.server.inject({
    method: 'POST',
    url: `/v1/providers/${provider}/status`,
    headers: signed.headers,
    payload: signed.body,
  })

describe('the whatsapp channel', () => {
  it('sends the authentication template through Meta with the code as body and copy-code button parameter', async ({
    t,
    appWith,
  }) => {
    const fake = fakes()
    const { api } = await appWith({ channels: { whatsapp: { providers: [metaEntry(fake.url)] } } })
    const started = await api.start({ channel: 'whatsapp', to: '+1 (415) 555-2671', locale: 'pt-BR' })
    expect(started.statusCode, started.body).toBe(201)
    expect(started.json()).toMatchObject({ channel: 'whatsapp', to: expect.not.stringContaining('5552671') })
    expect(fake.refusals).toEqual([])
    const [request] = fake.requests
    expect(request?.api).toBe('meta')
    const sent = request?.body as { template: { components: Array<{ parameters: Array<{ text: string }> }> } }
    const code = sent.template.components[0]?.parameters[0]?.text
    expect(code).toMatch(/^\d{6}$/)
    expect(request?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '14155552671',
      type: 'template',
      template: {
        name: META.templateName,
        language: { code: 'pt_BR' },
        components: [
          { type: 'body', parameters: [{ type: 'text', text: code }] },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: code }] },
        ],
      },
    })
    // The code sent is the code that verifies.
    const verified = await api.verify(started.json().verification_id, code ?? '')
    expect(verified.statusCode).toBe(200)
    expect(t.capture.messages).toHaveLength(0)
  })

  it('uses the app’s template name and the entry’s language mapping for a locale', async ({ appWith }) => {
    const fake = fakes()
    const { api } = await appWith({
      channels: { whatsapp: { providers: [metaEntry(fake.url, { template_languages: { en: 'en_US' } })] } },
      templates: { whatsapp: { '*': { en: { text: 'Code {code}', template_name: 'acme_login_code' } } } },
    })
    expect((await api.start({ channel: 'whatsapp', to: PHONE, locale: 'en' })).statusCode).toBe(201)
    expect(fake.requests[0]?.body).toMatchObject({ template: { name: 'acme_login_code', language: { code: 'en_US' } } })
  })

  it('fails over from Meta to Twilio’s Messages API with whatsapp: addresses and a Content template', async ({
    appWith,
  }) => {
    const fake = fakes()
    fake.behaviour.meta = 'server_error'
    const { api } = await appWith({
      channels: { whatsapp: { providers: [metaEntry(fake.url), twilioWhatsappEntry(fake.url)] } },
    })
    const started = await api.start({ channel: 'whatsapp', to: PHONE })
    expect(started.statusCode, started.body).toBe(201)
    const [request] = fake.requests
    expect(request?.api).toBe('twilio-whatsapp')
    expect(request?.body).toMatchObject({
      To: `whatsapp:${PHONE}`,
      From: `whatsapp:${TWILIO_WHATSAPP.from}`,
      ContentSid: TWILIO_WHATSAPP.contentSid,
      StatusCallback: STATUS_URL('twilio'),
    })
    const variables = JSON.parse(String(request?.body.ContentVariables)) as Record<string, string>
    expect(variables['1']).toMatch(/^\d{6}$/)
    expect((await api.get(started.json().verification_id)).json().deliveries).toMatchObject([
      { provider: 'meta', status: 'failed', error_code: '1' },
      { provider: 'twilio', status: 'queued', provider_message_id: request?.messageId },
    ])
  })

  it('answers 4011 when Meta says the number cannot receive WhatsApp, without trying the next', async ({ appWith }) => {
    const fake = fakes()
    fake.behaviour.meta = 'invalid_number'
    const { api } = await appWith({
      channels: { whatsapp: { providers: [metaEntry(fake.url), twilioWhatsappEntry(fake.url)] } },
    })
    const res = await api.start({ channel: 'whatsapp', to: PHONE })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_identifier', error_code: 4011 })
    expect(fake.requests).toHaveLength(0)
  })

  it('applies its own pumping guard: premium numbers and its blocked countries are refused', async ({ appWith }) => {
    const fake = fakes()
    const { api } = await appWith({
      channels: { whatsapp: { providers: [metaEntry(fake.url)], blocked_countries: ['GB'] } },
    })
    expect((await api.start({ channel: 'whatsapp', to: '+447400123456' })).statusCode).toBe(400)
    expect((await api.start({ channel: 'whatsapp', to: '+19005551234' })).statusCode).toBe(400)
    expect((await api.start({ channel: 'sms', to: '+447400123456' })).statusCode).toBe(201)
    expect(fake.requests).toHaveLength(0)
  })
})

describe('Meta receipts', () => {
  const metaApp = async (
    appWith: (
      s: Record<string, unknown>,
    ) => Promise<{ api: import('../../../test/helpers/test-api.js').TestApi; appId: string }>,
  ) => {
    const fake = fakes()
    const { api, appId } = await appWith({ channels: { whatsapp: { providers: [metaEntry(fake.url)] } } })
    const started = await api.start({ channel: 'whatsapp', to: PHONE })
    return { api, appId, id: started.json().verification_id as string, wamid: fake.requests[0]?.messageId ?? '' }
  }

  it('answers the GET handshake with the challenge for the configured verify token, and refuses another', async ({
    t,
    appWith,
  }) => {
    await metaApp(appWith)
    const handshake = (token: string) =>
      t.tessera.server.inject({
        method: 'GET',
        url: `/v1/providers/meta/status?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`,
      })
    const ok = await handshake(META.verifyToken)
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toBe('1158201444')
    expect(ok.headers['content-type']).toMatch(/^text\/plain/)
    const wrong = await handshake('guessed-token')
    expect(wrong.statusCode).toBe(403)
    expect(wrong.json()).toMatchObject({ error: 'forbidden' })
  })

  it('moves the delivery forward on signed statuses, even out of order or twice; read counts as delivered', async ({
    t,
    appWith,
  }) => {
    const { api, id, wamid } = await metaApp(appWith)
    expect((await post(t, 'meta', metaReceipt([{ id: wamid, status: 'read' }]))).statusCode).toBe(204)
    // The earlier statuses arrive late, and one arrives twice: nothing moves back.
    expect((await post(t, 'meta', metaReceipt([{ id: wamid, status: 'sent' }]))).statusCode).toBe(204)
    expect((await post(t, 'meta', metaReceipt([{ id: wamid, status: 'delivered' }]))).statusCode).toBe(204)
    expect((await post(t, 'meta', metaReceipt([{ id: wamid, status: 'read' }]))).statusCode).toBe(204)
    expect((await api.get(id)).json().deliveries).toMatchObject([{ provider: 'meta', status: 'delivered' }])
  })

  it('records failed with Meta’s error code from a batch that also names unknown messages', async ({ t, appWith }) => {
    const { api, id, wamid } = await metaApp(appWith)
    const batch = metaReceipt([
      { id: 'wamid.someone-else', status: 'delivered' },
      { id: wamid, status: 'failed', errors: [{ code: 131026, title: 'Message undeliverable' }] },
    ])
    expect((await post(t, 'meta', batch)).statusCode).toBe(204)
    expect((await api.get(id)).json().deliveries).toMatchObject([{ status: 'failed', error_code: '131026' }])
  })

  it('refuses forged, unsigned, tampered and other-number receipts with 401, changing nothing', async ({
    t,
    appWith,
  }) => {
    const { api, id, wamid, appId } = await metaApp(appWith)
    const forged = metaReceipt([{ id: wamid, status: 'delivered' }], { appSecret: 'not-the-app-secret' })
    const signed = metaReceipt([{ id: wamid, status: 'delivered' }])
    const unsigned = { body: signed.body, headers: { 'content-type': 'application/json' } }
    const tampered = { body: signed.body.replace('"delivered"', '"failed"'), headers: signed.headers }
    const otherNumber = metaReceipt([{ id: wamid, status: 'delivered' }], { phoneNumberId: '999' })
    const answers = await Promise.all(
      [forged, unsigned, tampered, otherNumber].map((receipt) => post(t, 'meta', receipt)),
    )
    expect(answers.map((answer) => answer.statusCode)).toEqual([401, 401, 401, 401])
    expect((await api.get(id)).json().deliveries).toMatchObject([{ status: 'queued' }])
    const refused = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=delivery.callback_refused`, admin)
    expect(refused.json().events.length).toBeGreaterThan(0)
  })

  it('acknowledges a signed notification with no status (an incoming message), and refuses it forged', async ({
    t,
    appWith,
  }) => {
    const { api, id } = await metaApp(appWith)
    // Meta posts every subscribed change to the one URL: an unanswered one is retried, then the webhook disabled.
    const signed = metaReceipt([])
    const incoming = signed.body.replace('"statuses":[]', '"messages":[{"from":"14155552671","type":"text"}]')
    const signature = createHmac('sha256', META.appSecret).update(incoming).digest('hex')
    const genuine = { body: incoming, headers: { ...signed.headers, 'x-hub-signature-256': `sha256=${signature}` } }
    expect((await post(t, 'meta', genuine)).statusCode).toBe(204)
    const forged = { body: incoming, headers: { ...signed.headers, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } }
    expect((await post(t, 'meta', forged)).statusCode).toBe(401)
    expect((await api.get(id)).json().deliveries).toMatchObject([{ status: 'queued' }])
  })

  it('answers 400 for a body that is not JSON, never 500', async ({ t }) => {
    const res = await t.tessera.server.inject({
      method: 'POST',
      url: '/v1/providers/meta/status',
      headers: { 'content-type': 'application/json' },
      payload: '{"entry": [',
    })
    expect(res.statusCode).toBe(400)
  })
})

describe('the call channel', () => {
  it('calls through Twilio with inline TwiML: each digit said with pauses, twice, in the locale’s voice', async ({
    t,
    appWith,
  }) => {
    const fake = fakes()
    const { api } = await appWith({ channels: { call: { providers: [twilioCallEntry(fake.url)] } } })
    const started = await api.start({ channel: 'call', to: PHONE, locale: 'de' })
    expect(started.statusCode, started.body).toBe(201)
    expect(started.json().channel).toBe('call')
    const [request] = fake.requests
    expect(request?.api).toBe('twilio-call')
    expect(request?.body).toMatchObject({
      To: PHONE,
      From: TWILIO_CALL.from,
      StatusCallback: STATUS_URL('twilio'),
    })
    const twiml = String(request?.body.Twiml)
    expect(twiml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response>.*<\/Response>$/)
    expect(twiml).toContain('<Say language="de-DE">Ihr Bestätigungscode für Acme lautet</Say>')
    const digits = [...twiml.matchAll(/<Say language="de-DE">(\d)<\/Say><Pause length="1"\/>/g)].map((m) => m[1])
    expect(digits).toHaveLength(12)
    const code = digits.slice(0, 6).join('')
    expect(digits.slice(6).join('')).toBe(code)
    const verified = await api.verify(started.json().verification_id, code)
    expect(verified.statusCode).toBe(200)
    expect(t.capture.messages).toHaveLength(0)
  })

  it('takes signed call status callbacks (completed, busy, no-answer, failed) and refuses forged ones', async ({
    t,
    appWith,
  }) => {
    const fake = fakes()
    const { api } = await appWith({ channels: { call: { providers: [twilioCallEntry(fake.url)] } } })
    const first = await api.start({ channel: 'call', to: PHONE })
    const second = await api.start({ channel: 'call', to: '+14155552672' })
    const [a, b] = fake.requests
    const forged = twilioCallCallback(
      STATUS_URL('twilio'),
      { CallSid: a?.messageId ?? '', CallStatus: 'completed' },
      'x'.repeat(20),
    )
    expect((await post(t, 'twilio', forged)).statusCode).toBe(401)
    const completed = twilioCallCallback(STATUS_URL('twilio'), { CallSid: a?.messageId ?? '', CallStatus: 'completed' })
    expect((await post(t, 'twilio', completed)).statusCode).toBe(204)
    expect((await post(t, 'twilio', completed)).statusCode).toBe(204)
    const busy = twilioCallCallback(STATUS_URL('twilio'), { CallSid: b?.messageId ?? '', CallStatus: 'busy' })
    expect((await post(t, 'twilio', busy)).statusCode).toBe(204)
    expect((await api.get(first.json().verification_id)).json().deliveries).toMatchObject([{ status: 'delivered' }])
    expect((await api.get(second.json().verification_id)).json().deliveries).toMatchObject([{ status: 'undelivered' }])
  })

  it('calls through Vonage with an NCCO talk action and an application JWT the public key verifies', async ({
    t,
    appWith,
  }) => {
    const fake = fakes()
    const { api } = await appWith({ channels: { call: { providers: [vonageVoiceEntry(fake.url)] } } })
    const started = await api.start({ channel: 'call', to: PHONE, locale: 'zh-CN' })
    expect(started.statusCode, started.body).toBe(201)
    expect(fake.refusals).toEqual([])
    const [request] = fake.requests
    expect(request?.api).toBe('vonage-voice')
    // The fake verified the RS256 signature with the application's public key.
    expect(request?.claims).toMatchObject({ application_id: VONAGE_VOICE.applicationId, jti: expect.any(String) })
    expect(request?.body).toMatchObject({
      to: [{ type: 'phone', number: '14155552671' }],
      from: { type: 'phone', number: '14155550100' },
      event_url: [STATUS_URL('vonage')],
    })
    const [talk] = (request?.body.ncco ?? []) as Array<{ action: string; text: string; language: string }>
    expect(talk).toMatchObject({ action: 'talk', language: 'cmn-CN' })
    expect(talk?.text).toMatch(/^<speak>.*<\/speak>$/)
    const digits = [...(talk?.text ?? '').matchAll(/ (\d) <break time="1000ms"\/>/g)].map((m) => m[1])
    expect(digits).toHaveLength(12)
    const verified = await api.verify(started.json().verification_id, digits.slice(0, 6).join(''))
    expect(verified.statusCode).toBe(200)
    // Signed events move the call forward; forged and unsigned ones change nothing.
    const uuid = request?.messageId ?? ''
    const forged = await vonageVoiceEvent({ uuid, status: 'completed' }, t.clock.nowMs(), 'not-the-secret')
    expect((await post(t, 'vonage', forged)).statusCode).toBe(401)
    const genuine = await vonageVoiceEvent({ uuid, status: 'completed' }, t.clock.nowMs())
    const tampered = { body: genuine.body.replace('"completed"', '"failed"'), headers: genuine.headers }
    expect((await post(t, 'vonage', tampered)).statusCode).toBe(401)
    expect(
      (await post(t, 'vonage', { body: genuine.body, headers: { 'content-type': 'application/json' } })).statusCode,
    ).toBe(401)
    const answered = await vonageVoiceEvent({ uuid, status: 'answered' }, t.clock.nowMs())
    expect((await post(t, 'vonage', genuine)).statusCode).toBe(204)
    expect((await post(t, 'vonage', answered)).statusCode).toBe(204)
    expect((await api.get(started.json().verification_id)).json().deliveries).toMatchObject([
      { provider: 'vonage', status: 'delivered' },
    ])
  })

  it('fails over from Twilio to Vonage within the call channel', async ({ appWith }) => {
    const fake = fakes()
    fake.behaviour['twilio-call'] = 'rate_limited'
    const { api } = await appWith({
      channels: { call: { providers: [twilioCallEntry(fake.url), vonageVoiceEntry(fake.url)] } },
    })
    const started = await api.start({ channel: 'call', to: PHONE })
    expect(started.statusCode).toBe(201)
    expect((await api.get(started.json().verification_id)).json().deliveries).toMatchObject([
      { provider: 'twilio', status: 'failed', error_code: '20429' },
      { provider: 'vonage', status: 'queued' },
    ])
  })

  it('refuses premium-rate and shared-cost numbers by default (revenue share fraud)', async ({ appWith }) => {
    const fake = fakes()
    const { api } = await appWith({ channels: { call: { providers: [twilioCallEntry(fake.url)] } } })
    for (const to of ['+19005551234', '+33891123456', '+33810488651', '+979123456789']) {
      const res = await api.start({ channel: 'call', to })
      expect(res.statusCode, to).toBe(400)
      expect(res.json()).toMatchObject({ error: 'invalid_identifier' })
    }
    expect(fake.requests).toHaveLength(0)
  })

  it('hands the webhook provider the text to speak and its language', async ({ appWith }) => {
    const received: Array<Record<string, unknown>> = []
    const { createServer } = await import('node:http')
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => {
        received.push(JSON.parse(body) as Record<string, unknown>)
        response.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as import('node:net').AddressInfo
      const { api } = await appWith({
        channels: {
          call: {
            providers: [
              { type: 'webhook', url: `http://127.0.0.1:${port}/`, secret: 'whsec_dGVzdC1zZWNyZXQtMTIzNDU2' },
            ],
          },
        },
      })
      expect((await api.start({ channel: 'call', to: PHONE, locale: 'fr' })).statusCode).toBe(201)
      expect(received[0]).toMatchObject({ channel: 'call', to: PHONE, language: 'fr-FR' })
      expect(String(received[0]?.body)).toMatch(/^Votre code de vérification Acme est (\d, ){5}\d\. .* (\d, ){5}\d\.$/)
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe('provider settings', () => {
  it('names each channel’s fields as its provider does, masks secrets, and refuses another channel’s fields', async ({
    t,
    appWith,
  }) => {
    const fake = fakes()
    const { appId } = await appWith({
      channels: {
        whatsapp: { providers: [metaEntry(fake.url)] },
        call: { providers: [vonageVoiceEntry(fake.url)] },
      },
    })
    const read = await t.request('GET', `/admin/v1/apps/${appId}`, admin)
    const { whatsapp, call } = read.json().settings.channels
    expect(whatsapp.providers[0]).toMatchObject({
      access_token: '********',
      app_secret: '********',
    })
    expect(call.providers[0]).toMatchObject({ private_key: '********', signature_secret: '********' })
    expect(read.body).not.toContain(META.accessToken)
    expect(read.body).not.toContain('PRIVATE KEY')
    // Twilio's SMS fields are not its call fields.
    const wrong = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: {
        settings: {
          channels: {
            call: {
              providers: [
                {
                  type: 'twilio',
                  account_sid: TWILIO.accountSid,
                  auth_token: TWILIO.authToken,
                  messaging_service_sid: `MG${'a'.repeat(32)}`,
                },
              ],
            },
          },
        },
      },
    })
    expect(wrong.statusCode).toBe(400)
  })

  it('signs Twilio call receipts over the public URL exactly as the twilio helper computes it', () => {
    // The fixture's signature is Twilio's algorithm (checked against Twilio's published example in twilio-provider.test.ts).
    const signed = twilioCallCallback(STATUS_URL('twilio'), { CallSid: 'CA1', CallStatus: 'completed' })
    const params = Object.fromEntries(new URLSearchParams(signed.body))
    expect(signed.headers['x-twilio-signature']).toBe(twilioSignature(TWILIO.authToken, STATUS_URL('twilio'), params))
  })
})

describe('the server’s default chains', () => {
  it('come from TESSERA_WHATSAPP_PROVIDERS and TESSERA_CALL_PROVIDERS, checked at start-up', async () => {
    const { loadConfig } = await import('../../config/load-config.js')
    const { whatsappChannel } = await import('../../channels/whatsapp/whatsapp-channel.js')
    const { callChannel } = await import('../../channels/call/call-channel.js')
    const entry = { type: 'webhook', url: 'https://gateway.example/whatsapp', secret: 'whsec_dGVzdC1zZWNyZXQtMTIzNDU2' }
    const config = loadConfig({
      NODE_ENV: 'test',
      TESSERA_WHATSAPP_PROVIDERS: JSON.stringify([entry]),
    }) as unknown as Record<string, unknown>
    expect(whatsappChannel.defaultProviders(config)).toEqual([{ ...entry, timeout_ms: 5000 }])
    expect(callChannel.defaultProviders(config)).toEqual([{ type: 'console' }])
    expect(() => loadConfig({ NODE_ENV: 'test', TESSERA_CALL_PROVIDERS: '[{"timeout_ms": 5}]' })).toThrow(
      'TESSERA_CALL_PROVIDERS',
    )
  })
})
