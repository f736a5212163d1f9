import { randomBytes } from 'node:crypto'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { twilioClientFor } from '../helpers/twilio-client.js'
import { type CreatedApp, call, codeFromSms, createAppWithKey, wrongCodeFor } from './helpers/api.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

// Twilio's Verify quickstart, run by Twilio's own Node helper library (the `twilio` package, unmodified)
// against a real `tessera serve` on port 0: the library's requests go to Tessera through a custom HTTP client,
// and the SMS goes out through Tessera's signed webhook provider to a local receiver, where the test reads it.

const secrets = secretsForTest()
let hook: WebhookReceiver
let server: TestServer
let app: CreatedApp
let accountSid: string

beforeAll(async () => {
  hook = await startWebhookReceiver()
  server = await startServer({
    env: {
      ...secrets,
      TESSERA_SMS_WEBHOOK_URL: hook.url,
      TESSERA_SMS_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    },
  })
  app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Acme')
  const read = await call(server.url, 'GET', `/admin/v1/apps/${app.appId}`, { key: secrets.TESSERA_ADMIN_KEY })
  accountSid = read.body.account_sid
}, 60_000)

afterAll(async () => {
  await server?.stop()
  await killAll()
  await hook?.close()
  cleanupTempDirs()
})

/** The code of the next SMS the webhook receiver gets, and its text. */
async function nextSms(): Promise<{ code: string; body: string; to: string }> {
  const request = await hook.nextRequest()
  const message = request.json as { body: string; to: string }
  return { code: codeFromSms(message.body), body: message.body, to: message.to }
}

describe("Twilio's Verify quickstart, run by the twilio helper library against Tessera", () => {
  it('creates a service, sends by SMS, refuses a wrong code, approves the right one, fetches and cancels', async () => {
    expect(accountSid).toMatch(/^AC[0-9a-f]{32}$/)
    const client = twilioClientFor(server.url, accountSid, app.key)

    const service = await client.verify.v2.services.create({ friendlyName: 'My First Verify Service' })
    expect(service.sid).toMatch(/^VA[0-9a-f]{32}$/)
    expect(service.accountSid).toBe(accountSid)
    expect(service.friendlyName).toBe('My First Verify Service')
    expect(service.codeLength).toBe(6)

    const verification = await client.verify.v2
      .services(service.sid)
      .verifications.create({ to: '+14155552671', channel: 'sms' })
    expect(verification.sid).toMatch(/^VE[0-9a-f]{32}$/)
    expect(verification).toMatchObject({
      serviceSid: service.sid,
      accountSid,
      to: '+14155552671',
      channel: 'sms',
      status: 'pending',
      valid: false,
    })
    expect(verification.dateCreated).toBeInstanceOf(Date)
    expect(verification.sendCodeAttempts).toHaveLength(1)
    const sms = await nextSms()
    expect(sms.to).toBe('+14155552671')
    // The service's friendly name is the app name in the message.
    expect(sms.body).toContain('My First Verify Service')
    expect(sms.code).toMatch(/^\d{6}$/)

    const wrong = await client.verify.v2
      .services(service.sid)
      .verificationChecks.create({ to: '+14155552671', code: wrongCodeFor(sms.code) })
    expect(wrong).toMatchObject({ sid: verification.sid, status: 'pending', valid: false })

    const right = await client.verify.v2
      .services(service.sid)
      .verificationChecks.create({ to: '+14155552671', code: sms.code })
    expect(right).toMatchObject({ sid: verification.sid, status: 'approved', valid: true, channel: 'sms' })

    const fetched = await client.verify.v2.services(service.sid).verifications(verification.sid).fetch()
    expect(fetched).toMatchObject({ sid: verification.sid, status: 'approved', valid: true })

    // A check after approval is Twilio's 404 (20404), read by the library into a RestException.
    const again = await client.verify.v2
      .services(service.sid)
      .verificationChecks.create({ verificationSid: verification.sid, code: sms.code })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(again).toBeInstanceOf(twilio.RestException)
    expect(again).toMatchObject({ status: 404, code: 20404 })

    // Cancel: a second verification, canceled through the library; a check then answers 404.
    const second = await client.verify.v2
      .services(service.sid)
      .verifications.create({ to: '+14155550123', channel: 'sms' })
    const secondSms = await nextSms()
    const canceled = await client.verify.v2
      .services(service.sid)
      .verifications(second.sid)
      .update({ status: 'canceled' })
    expect(canceled).toMatchObject({ sid: second.sid, status: 'canceled', valid: false })
    const afterCancel = await client.verify.v2
      .services(service.sid)
      .verificationChecks.create({ to: '+14155550123', code: secondSms.code })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(afterCancel).toMatchObject({ status: 404, code: 20404 })

    // Starting again for a number with a pending verification sends a new code on it, as Twilio does.
    const third = await client.verify.v2
      .services(service.sid)
      .verifications.create({ to: '+14155550177', channel: 'sms' })
    await nextSms()
    const resent = await client.verify.v2
      .services(service.sid)
      .verifications.create({ to: '+14155550177', channel: 'sms' })
    const resentSms = await nextSms()
    expect(resent.sid).toBe(third.sid)
    expect(resent.sendCodeAttempts).toHaveLength(2)
    const approved = await client.verify.v2
      .services(service.sid)
      .verificationChecks.create({ verificationSid: third.sid, code: resentSms.code })
    expect(approved.status).toBe('approved')

    // The library pages through the services by Twilio's meta.
    const another = await client.verify.v2.services.create({ friendlyName: 'Another Service' })
    const listed = await client.verify.v2.services.list({ pageSize: 1 })
    expect(listed.map((s) => s.sid)).toEqual([service.sid, another.sid])
    await client.verify.v2.services(service.sid).update({ friendlyName: 'Renamed Service', codeLength: 8 })
    expect(await client.verify.v2.services(service.sid).fetch()).toMatchObject({
      friendlyName: 'Renamed Service',
      codeLength: 8,
    })
  })

  it('answers the approval’s verification token once on GET /v1/verifications/{id}', async () => {
    const client = twilioClientFor(server.url, accountSid, app.key)
    const service = await client.verify.v2.services.create({ friendlyName: 'Token pickup' })
    const started = await call(server.url, 'POST', `/v2/Services/${service.sid}/Verifications`, {
      basic: [accountSid, app.key],
      form: { To: '+14155550199', Channel: 'sms' },
    })
    expect(started.status).toBe(201)
    const { code } = await nextSms()
    await client.verify.v2.services(service.sid).verificationChecks.create({ to: '+14155550199', code })

    const id = started.body.tessera_verification_id
    const first = await call(server.url, 'GET', `/v1/verifications/${id}`, { key: app.key })
    expect(first.body).toMatchObject({ verification_id: id, status: 'approved' })
    expect(first.body.metadata).toEqual({ verify_service_sid: service.sid, verification_sid: started.body.sid })
    const token = first.body.verification_token
    expect(typeof token).toBe('string')
    const introspected = await call(server.url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: token },
    })
    expect(introspected.body).toMatchObject({ active: true, verification_id: id, channel: 'sms' })
    const second = await call(server.url, 'GET', `/v1/verifications/${id}`, { key: app.key })
    expect(second.body.status).toBe('approved')
    expect(second.body.verification_token).toBeUndefined()
  })

  it('answers 401 (20003) to the library with a wrong key or another account’s sid', async () => {
    const other = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Other')
    const wrongKey = twilioClientFor(server.url, accountSid, `${app.key}x`)
    await expect(wrongKey.verify.v2.services.list()).rejects.toMatchObject({ status: 401, code: 20003 })
    const otherSid = (
      await call(server.url, 'GET', `/admin/v1/apps/${other.appId}`, { key: secrets.TESSERA_ADMIN_KEY })
    ).body.account_sid
    const mixed = twilioClientFor(server.url, otherSid, app.key)
    await expect(mixed.verify.v2.services.list()).rejects.toMatchObject({ status: 401, code: 20003 })
  })
})
