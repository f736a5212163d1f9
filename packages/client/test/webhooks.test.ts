import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWebhookReceiver, type WebhookReceiver } from '../../server/test/e2e/helpers/webhook-receiver.js'
import { InvalidWebhookError, Tessera, TesseraAdmin, verifyWebhook } from '../src/index.js'
import { newPhone, type RunningTessera, startTessera } from './helpers/tessera-server.js'

// Event webhooks through the SDK: endpoints managed with TesseraAdmin, and real deliveries from a real Tessera
// checked with verifyWebhook (Standard Webhooks signatures); forged, altered and stale ones are refused.

let server: RunningTessera
let receiver: WebhookReceiver
let admin: TesseraAdmin

beforeAll(async () => {
  server = await startTessera()
  receiver = await startWebhookReceiver()
  admin = new TesseraAdmin({ baseUrl: server.url, adminKey: server.adminKey })
})
afterAll(async () => {
  await receiver?.close()
  await server?.stop()
})

describe('webhooks', () => {
  it('manages endpoints: create (secret once), list, get, update, rotate the secret, remove', async () => {
    const created = await admin.webhooks.create(server.appId, {
      url: 'http://127.0.0.1:9/never',
      events: ['verification.*'],
      description: 'CRM sync',
    })
    expect(created.secret).toMatch(/^whsec_/)
    expect((await admin.webhooks.list(server.appId)).webhooks.map((w) => w.webhook_id)).toContain(created.webhook_id)
    expect(await admin.webhooks.get(server.appId, created.webhook_id)).not.toHaveProperty('secret')
    const updated = await admin.webhooks.update(server.appId, created.webhook_id, { enabled: false })
    expect(updated.enabled).toBe(false)
    const rotated = await admin.webhooks.rotateSecret(server.appId, created.webhook_id)
    expect(rotated.secret).not.toBe(created.secret)
    expect(rotated.previous_secret_expires_at).not.toBeNull()
    await admin.webhooks.remove(server.appId, created.webhook_id)
    expect((await admin.webhooks.list(server.appId)).webhooks.map((w) => w.webhook_id)).not.toContain(
      created.webhook_id,
    )
  })

  it('verifies a real delivery and answers its event; refuses it altered, under another secret, or stale', async () => {
    const endpoint = await admin.webhooks.create(server.appId, {
      url: receiver.url.replace('/sms', '/events'),
      events: ['verification.started'],
    })
    try {
      const tessera = new Tessera({ baseUrl: server.url, apiKey: server.apiKey })
      const started = await tessera.verifications.start({ channel: 'sms', to: newPhone(), scene: 'login' })
      let delivery = await receiver.nextRequest(15_000)
      while (delivery.path !== '/events') delivery = await receiver.nextRequest(15_000)
      const event = await verifyWebhook(delivery.rawBody, delivery.headers, endpoint.secret)
      expect(event.type).toBe('verification.started')
      expect(event.data).toMatchObject({
        verification_id: started.verification_id,
        scene: 'login',
        app_id: server.appId,
      })
      // A Headers object and the body as bytes work too.
      const headers = new Headers()
      for (const [name, value] of Object.entries(delivery.headers))
        if (typeof value === 'string') headers.set(name, value)
      expect((await verifyWebhook(new TextEncoder().encode(delivery.rawBody), headers, endpoint.secret)).type).toBe(
        'verification.started',
      )

      const reasonOf = (promise: Promise<unknown>) =>
        promise.then(
          () => 'accepted',
          (error: unknown) => (error instanceof InvalidWebhookError ? error.reason : String(error)),
        )
      expect(await reasonOf(verifyWebhook(`${delivery.rawBody} `, delivery.headers, endpoint.secret))).toBe('signature')
      const other = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
      expect(await reasonOf(verifyWebhook(delivery.rawBody, delivery.headers, other))).toBe('signature')
      const later = new Date((Number(delivery.headers['webhook-timestamp']) + 301) * 1000)
      expect(
        await reasonOf(verifyWebhook(delivery.rawBody, delivery.headers, endpoint.secret, { currentDate: later })),
      ).toBe('timestamp')
      const { 'webhook-signature': _dropped, ...unsigned } = delivery.headers
      expect(await reasonOf(verifyWebhook(delivery.rawBody, unsigned, endpoint.secret))).toBe('missing_headers')
    } finally {
      await admin.webhooks.remove(server.appId, endpoint.webhook_id)
    }
  })
})
