import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, vi } from 'vitest'
import {
  type ReceivedRequest,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../../test/e2e/helpers/webhook-receiver.js'
import type { TestApp } from '../../../../test/helpers/create-test-app.js'
import { TEST_ADMIN_KEY } from '../../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../../test/helpers/fixtures.js'

const admin = { key: TEST_ADMIN_KEY }

let receiver: WebhookReceiver
beforeEach(async () => {
  receiver = await startWebhookReceiver()
  // Only Date is faked (timers stay real): the independent verifier checks webhook-timestamp against Date.now(),
  // which the tests move with the server's injected clock.
  vi.useFakeTimers({ toFake: ['Date'] })
})
afterEach(async () => {
  vi.useRealTimers()
  await receiver.close()
})

/**
 * Advances the server's clock (and Date, for the verifier), runs a dispatch pass and answers how many
 * requests the receiver has had in all (the dispatcher also polls by itself: counting at the receiver holds
 * whichever pass made the try).
 */
async function after(t: TestApp, seconds: number): Promise<number> {
  t.clock.advanceSeconds(seconds)
  vi.setSystemTime(t.clock.nowMs())
  await t.tessera.webhookDispatcher.runOnce()
  return receiver.requests.length
}

async function addEndpoint(t: TestApp, appId: string, body: Record<string, unknown>) {
  const res = await t.request('POST', `/admin/v1/apps/${appId}/webhooks`, { ...admin, body })
  expect(res.statusCode, res.body).toBe(201)
  return res.json<{ webhook_id: string; secret: string }>()
}

function verified(secret: string, request: ReceivedRequest) {
  const headers = {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }
  // Throws unless the signature is right and the timestamp recent.
  return new Webhook(secret).verify(request.rawBody, headers) as {
    type: string
    timestamp: string
    data: Record<string, unknown>
  }
}

describe('the webhook dispatcher', () => {
  it('posts each committed event signed (checked by standardwebhooks), retries on its schedule with one webhook-id, and lists the attempts', async ({
    t,
    app,
    api,
  }) => {
    t.clock.set(Date.now())
    vi.setSystemTime(t.clock.nowMs())
    const { secret } = await addEndpoint(t, app.appId, {
      url: receiver.url,
      events: ['verification.started', 'verification.approved'],
    })
    receiver.status = 500
    const { id, code } = await api.startOk({ channel: 'email', to: 'ada@example.com', user_id: 'u_42' })
    expect((await api.verify(id, code)).statusCode).toBe(200)

    await t.tessera.webhookDispatcher.runOnce()
    expect(receiver.requests).toHaveLength(2)
    const first = receiver.requests.map((request) => verified(secret, request))
    expect(first.map((body) => body.type).sort()).toEqual(['verification.approved', 'verification.started'])
    const approved = first.find((body) => body.type === 'verification.approved')
    expect(approved?.data).toMatchObject({
      verification_id: id,
      user_id: 'u_42',
      scene: 'verify-identifier',
      channel: 'email',
      to: 'a***@e***.com',
    })
    expect(JSON.stringify(first)).not.toContain('ada@example.com')

    // Not before about 5 s (4.5 s with the jitter), then once more each.
    expect(await after(t, 4.4)).toBe(2)
    expect(await after(t, 1.2)).toBe(4)
    for (const request of receiver.requests.slice(2)) verified(secret, request)
    receiver.status = 200
    // The next try waits about 5 minutes.
    expect(await after(t, 60)).toBe(4)
    expect(await after(t, 5 * 60)).toBe(6)
    for (const request of receiver.requests.slice(4)) verified(secret, request)
    expect(await after(t, 24 * 3600)).toBe(6)
    // One webhook-id per event, whatever the try: a receiver that deduplicates sees each event once.
    const ids = receiver.requests.map((request) => request.headers['webhook-id'])
    expect(new Set(ids).size).toBe(2)

    const events = await t.request('GET', `/admin/v1/apps/${app.appId}/events?type=verification.approved`, admin)
    expect(events.statusCode).toBe(200)
    const [event] = events.json().events
    expect(event).toMatchObject({ type: 'verification.approved', kind: 'verification.approved', verification_id: id })
    expect(ids).toContain(event.event_id)
    expect(event.attempts.map((a: { status: number; succeeded: boolean }) => [a.status, a.succeeded])).toEqual([
      [500, false],
      [500, false],
      [200, true],
    ])
    expect(event.attempts[0]).toMatchObject({ error: 'status 500' })
    expect(typeof event.attempts[0].latency_ms).toBe('number')
  })

  it('posts nothing for a change that did not commit, and only the types an endpoint subscribed to', async ({
    t,
    app,
    api,
  }) => {
    t.clock.set(Date.now())
    vi.setSystemTime(t.clock.nowMs())
    await addEndpoint(t, app.appId, { url: receiver.url, events: ['verification.approved'] })
    const { id } = await api.startOk({ channel: 'email', to: 'ada@example.com' })
    const wrong = await api.verify(id, '000000' === t.capture.codeOf(id) ? '111111' : '000000')
    expect(wrong.statusCode).toBe(400)
    await t.tessera.webhookDispatcher.runOnce()
    expect(receiver.requests).toHaveLength(0)
  })

  it('resends an event to its endpoints with the same webhook-id', async ({ t, app, api }) => {
    t.clock.set(Date.now())
    vi.setSystemTime(t.clock.nowMs())
    const { secret } = await addEndpoint(t, app.appId, { url: receiver.url, events: ['verification.started'] })
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    await t.tessera.webhookDispatcher.runOnce()
    expect(receiver.requests).toHaveLength(1)
    const eventId = String(receiver.requests[0]?.headers['webhook-id'])
    const resent = await t.request('POST', `/admin/v1/apps/${app.appId}/events/${eventId}/resend`, admin)
    expect(resent.statusCode, resent.body).toBe(202)
    expect(resent.json()).toEqual({ event_id: eventId, queued: 1 })
    await t.tessera.webhookDispatcher.runOnce()
    expect(receiver.requests).toHaveLength(2)
    expect(receiver.requests[1]?.headers['webhook-id']).toBe(eventId)
    verified(secret, receiver.requests[1] as ReceivedRequest)
    const missing = await t.request('POST', `/admin/v1/apps/${app.appId}/events/evt_nope/resend`, admin)
    expect(missing.json()).toMatchObject({ error: 'event_not_found', error_code: 4123 })
  })
})
