import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type FakeSmsProviders,
  startFakeSmsProviders,
  twilioCallback,
  twilioThenVonage,
  vonageReceipt,
} from '../helpers/fake-sms-providers.js'
import { type CreatedApp, call, createAppWithKey } from './helpers/api.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'

// A real Tessera process whose default SMS chain (TESSERA_SMS_PROVIDERS) is Twilio, then Vonage,
// both local servers speaking the providers' APIs; their status callbacks come back over real HTTP.

const secrets = secretsForTest()
let fake: FakeSmsProviders
let server: TestServer
let app: CreatedApp

beforeAll(async () => {
  fake = await startFakeSmsProviders()
  const providers = twilioThenVonage(fake.url, 500)
  server = await startServer({ env: { ...secrets, TESSERA_SMS_PROVIDERS: JSON.stringify(providers) } })
  app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Acme')
})

beforeEach(() => {
  fake.behaviour.twilio = 'ok'
  fake.behaviour.vonage = 'ok'
  fake.messages.length = 0
})

afterAll(async () => {
  await server?.stop()
  await killAll()
  await fake?.close()
  cleanupTempDirs()
})

const start = (to: string) =>
  call(server.url, 'POST', '/v1/verifications', { key: app.key, body: { channel: 'sms', to, locale: 'de-CH' } })
const deliveries = async (id: string) =>
  (await call(server.url, 'GET', `/v1/verifications/${id}`, { key: app.key })).body.deliveries

describe('SMS through Twilio with Vonage as fallback', () => {
  it('Twilio carries the code; its signed status callback marks it delivered; the code verifies', async () => {
    const started = await start('+14155552671')
    expect(started.status).toBe(201)
    const sent = fake.messages[0]
    expect(sent?.provider).toBe('twilio')
    expect(sent?.text).toMatch(/^Ihr Bestätigungscode für Acme lautet \d{6}\./)
    expect(sent?.callbackUrl).toBe(`${server.url}/v1/providers/twilio/status`)

    const signed = twilioCallback(sent?.callbackUrl ?? '', {
      MessageSid: sent?.messageId ?? '',
      MessageStatus: 'delivered',
    })
    const callback = await fetch(sent?.callbackUrl ?? '', {
      method: 'POST',
      headers: signed.headers,
      body: signed.body,
    })
    expect(callback.status).toBe(204)
    expect(await deliveries(started.body.verification_id)).toMatchObject([
      { provider: 'twilio', status: 'delivered', provider_message_id: sent?.messageId, error_code: null },
    ])

    const code = /(\d{6})/.exec(sent?.text ?? '')?.[1]
    const verified = await call(server.url, 'POST', '/v1/verifications/verify', {
      key: app.key,
      body: { verification_id: started.body.verification_id, verification_code: code },
    })
    expect(verified.status).toBe(200)
  })

  it('a Twilio outage fails over to Vonage; Vonage’s signed receipt is recorded; a forged one is refused', async () => {
    fake.behaviour.twilio = 'server_error'
    const started = await start('+14155552672')
    expect(started.status).toBe(201)
    const sent = fake.messages[0]
    expect(sent?.provider).toBe('vonage')
    const receipt = vonageReceipt({ messageId: sent?.messageId ?? '', status: 'delivered' }, Date.now())
    const forged = { ...receipt, status: 'failed' }
    const refused = await fetch(`${sent?.callbackUrl}?${new URLSearchParams(forged)}`)
    expect(refused.status).toBe(401)
    const accepted = await fetch(`${sent?.callbackUrl}?${new URLSearchParams(receipt)}`)
    expect(accepted.status).toBe(204)
    expect(await deliveries(started.body.verification_id)).toMatchObject([
      { provider: 'twilio', status: 'failed', error_code: '20503' },
      { provider: 'vonage', status: 'delivered' },
    ])
  })

  it('an invalid number answers 4011 and nothing is sent', async () => {
    fake.behaviour.twilio = 'invalid_number'
    const started = await start('+14155552673')
    expect(started.status).toBe(400)
    expect(started.body).toMatchObject({ error: 'invalid_identifier', error_code: 4011 })
    expect(fake.messages).toHaveLength(0)
  })
})
