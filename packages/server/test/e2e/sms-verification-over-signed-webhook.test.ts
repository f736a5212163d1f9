import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type CreatedApp, call, codeFromSms, createAppWithKey, standardWebhookSignature } from './helpers/api.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

const secrets = secretsForTest()
const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`
let hook: WebhookReceiver
let server: TestServer
let app: CreatedApp

beforeAll(async () => {
  hook = await startWebhookReceiver()
  server = await startServer({
    env: { ...secrets, TESSERA_SMS_WEBHOOK_URL: hook.url, TESSERA_SMS_WEBHOOK_SECRET: webhookSecret },
  })
  app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Acme')
})

beforeEach(() => {
  hook.status = 200
  hook.delayMs = 0
})

afterAll(async () => {
  await server?.stop()
  await killAll()
  await hook?.close()
  cleanupTempDirs()
})

describe('an SMS verification delivered through the signed webhook', () => {
  it('posts a Standard Webhooks-signed JSON message whose code verifies', async () => {
    const before = Math.floor(Date.now() / 1000)
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'sms', to: '+1 (415) 555-2671', scene: 'login' },
    })
    expect(started.status).toBe(201)
    expect(started.body).toMatchObject({ channel: 'sms', to: '+14*******71', scene: 'login', status: 'pending' })

    const request = await hook.nextRequest()
    expect(request.method).toBe('POST')
    expect(request.path).toBe('/sms')
    expect(request.headers['content-type']).toMatch(/^application\/json/)
    const id = String(request.headers['webhook-id'])
    const timestamp = String(request.headers['webhook-timestamp'])
    const signature = String(request.headers['webhook-signature'])
    expect(id).toMatch(/^msg_/)
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before - 1)
    expect(Number(timestamp)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1)
    // Recomputed here from the secret and the exact bytes received.
    expect(signature).toBe(standardWebhookSignature(webhookSecret, id, timestamp, request.rawBody))
    // …and it is bound to the body: a different body would not carry this signature.
    expect(signature).not.toBe(standardWebhookSignature(webhookSecret, id, timestamp, `${request.rawBody} `))

    expect(request.json).toEqual({
      to: '+14155552671',
      body: expect.stringContaining('Acme'),
      verification_id: started.body.verification_id,
      channel: 'sms',
    })
    const body = (request.json as { body: string }).body
    expect(body).toContain('10 minutes')
    const code = codeFromSms(body)
    expect(code).toMatch(/^\d{6}$/)

    const verified = await call(server.url, 'POST', '/v1/verifications/verify', {
      key: app.key,
      body: { verification_id: started.body.verification_id, verification_code: code },
    })
    expect(verified.status).toBe(200)
    expect(verified.body).toMatchObject({ status: 'approved', scene: 'login' })
    const introspected = await call(server.url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: verified.body.verification_token, scene: 'login' },
    })
    expect(introspected.body).toMatchObject({ active: true, channel: 'sms', to: '+14155552671', scene: 'login' })
  })

  it('signs each resend with a fresh message id; only the newest code works', async () => {
    const settingsApp = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Quick', {
      channels: { sms: { resend_cooldown_seconds: 0 } },
    })
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: settingsApp.key,
      body: { channel: 'sms', to: '+447911123456' },
    })
    expect(started.status).toBe(201)
    const first = await hook.nextRequest()
    const resent = await call(server.url, 'POST', `/v1/verifications/${started.body.verification_id}/resend`, {
      key: settingsApp.key,
    })
    expect(resent.status).toBe(200)
    expect(resent.body).toMatchObject({ sends: 2 })
    const second = await hook.nextRequest()
    expect(second.headers['webhook-id']).not.toBe(first.headers['webhook-id'])
    const secondSig = standardWebhookSignature(
      webhookSecret,
      String(second.headers['webhook-id']),
      String(second.headers['webhook-timestamp']),
      second.rawBody,
    )
    expect(second.headers['webhook-signature']).toBe(secondSig)
    const oldCode = codeFromSms((first.json as { body: string }).body)
    const newCode = codeFromSms((second.json as { body: string }).body)
    if (oldCode !== newCode) {
      const old = await call(server.url, 'POST', '/v1/verifications/verify', {
        key: settingsApp.key,
        body: { verification_id: started.body.verification_id, verification_code: oldCode },
      })
      expect(old.status).toBe(400)
      expect(old.body.error_code).toBe(4001)
    }
    const ok = await call(server.url, 'POST', '/v1/verifications/verify', {
      key: settingsApp.key,
      body: { verification_id: started.body.verification_id, verification_code: newCode },
    })
    expect(ok.status).toBe(200)
  })

  it('answers 502 delivery_failed when the webhook answers 500, and keeps no verification', async () => {
    hook.status = 500
    const seen = hook.requests.length
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'sms', to: '+14155552672' },
    })
    expect(started.status).toBe(502)
    expect(started.body).toMatchObject({ error: 'delivery_failed', error_code: 5002 })
    expect(started.body.error_description).toEqual(expect.any(String))
    expect(started.body.verification_id).toBeUndefined()
    // The webhook was really called (and refused), once.
    expect(hook.requests.length).toBe(seen + 1)
    const attempted = hook.requests[seen]?.json as { verification_id: string }
    hook.status = 200
    // The verification the failed send belonged to does not exist.
    const lookedUp = await call(server.url, 'GET', `/v1/verifications/${attempted.verification_id}`, { key: app.key })
    expect(lookedUp.status).toBe(404)
    expect(lookedUp.body.error_code).toBe(4004)
    const recent = await call(server.url, 'GET', `/admin/v1/apps/${app.appId}/verifications`, {
      key: secrets.TESSERA_ADMIN_KEY,
    })
    expect(recent.status).toBe(200)
    const ids = recent.body.verifications.map((v: { verification_id: string }) => v.verification_id)
    expect(ids.length).toBeGreaterThan(0)
    expect(ids).not.toContain(attempted.verification_id)
  })

  it('answers 502 within about 6 s when the webhook never answers', async () => {
    hook.delayMs = 20_000
    const t0 = Date.now()
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'sms', to: '+14155552673' },
      timeoutMs: 12_000,
    })
    const elapsed = Date.now() - t0
    expect(started.status).toBe(502)
    expect(started.body).toMatchObject({ error: 'delivery_failed', error_code: 5002 })
    expect(elapsed).toBeGreaterThanOrEqual(4_500)
    expect(elapsed).toBeLessThan(6_500)
    const attempted = hook.requests.at(-1)?.json as { verification_id: string; to: string }
    expect(attempted.to).toBe('+14155552673')
    const lookedUp = await call(server.url, 'GET', `/v1/verifications/${attempted.verification_id}`, { key: app.key })
    expect(lookedUp.status).toBe(404)
  }, 15_000)
})
