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
    // Only enabled endpoints that subscribe to the event get a resend: one turned off and one subscribed to
    // other types get nothing.
    await addEndpoint(t, app.appId, { url: `${receiver.url}/other`, events: ['verification.approved'] })
    const { webhook_id: off } = await addEndpoint(t, app.appId, {
      url: `${receiver.url}/off`,
      events: ['verification.*'],
    })
    const turnedOff = await t.request('PATCH', `/admin/v1/apps/${app.appId}/webhooks/${off}`, {
      ...admin,
      body: { enabled: false },
    })
    expect(turnedOff.statusCode, turnedOff.body).toBe(200)
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

describe('the event types', () => {
  it('each reach a "*" endpoint as { type, timestamp, data }, identifiers masked, when their change commits', async ({
    t,
    appWith,
  }) => {
    t.clock.set(Date.now())
    vi.setSystemTime(t.clock.nowMs())
    const { appId, api } = await appWith({
      factor_lockout: { max_failures: 2 },
      limits: { sends_per_identifier: { max: 2 } },
    })
    const { secret } = await addEndpoint(t, appId, { url: receiver.url, events: ['*'] })
    const wrong = (code: string) => (code === '000000' ? '111111' : '000000')

    const approved = await api.startOk({ channel: 'sms', to: '+14155552671', user_id: 'u_1', scene: 'login' })
    const token = (await api.verify(approved.id, approved.code)).json().verification_token
    expect((await api.introspect(token, { consume: true })).json().active).toBe(true)
    const canceled = await api.startOk({ channel: 'email', to: 'grace@example.com' })
    await api.cancel(canceled.id)
    const exhausted = await api.startOk({ channel: 'email', to: 'linus@example.com' })
    for (let i = 0; i < 5; i++) await api.verify(exhausted.id, wrong(exhausted.code))
    // A third code to one address within the window: refused by a limit.
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    expect((await api.start({ channel: 'email', to: 'ada@example.com' })).statusCode).toBe(429)
    t.capture.failNext()
    expect((await api.start({ channel: 'email', to: 'edsger@example.com' })).statusCode).toBe(502)
    // A password factor: bound, locked by two wrong answers, removed by the operator.
    const bound = await api.bind('u_2', { type: 'password', password: 'correct horse battery staple' })
    expect(bound.statusCode, bound.body).toBe(201)
    const factorId = bound.json().factor_id
    for (let i = 0; i < 2; i++) {
      const challenge = await api.challengeOk('u_2', { scene: 'login', type: 'password' })
      await api.verify(challenge, 'wrong password')
    }
    expect((await t.request('DELETE', `/admin/v1/apps/${appId}/users/u_2/factors/${factorId}`, admin)).statusCode).toBe(
      204,
    )
    // Verified as they arrive (the verifier checks the timestamp against now).
    const bodies: ReturnType<typeof verified>[] = []
    const take = () =>
      bodies.push(...receiver.requests.slice(bodies.length).map((request) => verified(secret, request)))
    await t.tessera.webhookDispatcher.runOnce()
    take()
    // Left alone past its expiry (10 minutes by default): the sweep marks it and says so.
    const expired = await api.startOk({ channel: 'email', to: 'barbara@example.com' })
    await t.tessera.webhookDispatcher.runOnce()
    take()
    await after(t, 11 * 60)
    take()

    const ofType = (type: string) => bodies.filter((body) => body.type === type)
    // Posted in parallel, so in no set order: some event of the type carries these fields.
    const expectOne = (type: string, fields: Record<string, unknown>) =>
      expect(ofType(type).map((body) => body.data)).toContainEqual(expect.objectContaining(fields))
    for (const body of bodies) {
      expect(Object.keys(body).sort()).toEqual(['data', 'timestamp', 'type'])
      expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp)
    }
    expectOne('verification.started', {
      verification_id: approved.id,
      user_id: 'u_1',
      scene: 'login',
      channel: 'sms',
      to: '+14*******71',
    })
    expectOne('delivery.sent', { verification_id: approved.id, provider: 'capture' })
    expectOne('verification.approved', { verification_id: approved.id, user_id: 'u_1' })
    expectOne('token.consumed', { verification_id: approved.id, scene: 'login' })
    expectOne('verification.canceled', { verification_id: canceled.id })
    expectOne('verification.max_attempts_reached', { verification_id: exhausted.id })
    expectOne('send.refused', { reason: 'limit', rule: 'limit:sends_per_identifier' })
    expectOne('delivery.failed', { channel: 'email', to: 'e***@e***.com' })
    expectOne('factor.bound', { factor_id: factorId, user_id: 'u_2', type: 'password' })
    expectOne('factor.locked', { factor_id: factorId, user_id: 'u_2' })
    expectOne('factor.removed', { factor_id: factorId, by: 'admin' })
    expect(ofType('verification.expired').map((body) => body.data.verification_id)).toContain(expired.id)
    // Masked as the API masks them: no full phone number or address anywhere.
    const all = receiver.requests.map((request) => request.rawBody).join('\n')
    for (const secretValue of ['+14155552671', 'grace@example.com', 'ada@example.com', approved.code, token]) {
      expect(all).not.toContain(secretValue)
    }
  })
})

describe('signing secrets and failing endpoints', () => {
  it('signs with both secrets for 24 hours after a rotation, then with the new one only', async ({ t, app, api }) => {
    t.clock.set(Date.now())
    vi.setSystemTime(t.clock.nowMs())
    const created = await addEndpoint(t, app.appId, { url: receiver.url, events: ['verification.started'] })
    const rotated = await t.request(
      'POST',
      `/admin/v1/apps/${app.appId}/webhooks/${created.webhook_id}/rotate-secret`,
      admin,
    )
    const newSecret: string = rotated.json().secret
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    await t.tessera.webhookDispatcher.runOnce()
    const during = receiver.requests[0] as ReceivedRequest
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2)
    verified(created.secret, during)
    verified(newSecret, during)

    await after(t, 24 * 3600 + 1)
    await api.startOk({ channel: 'email', to: 'grace@example.com' })
    await t.tessera.webhookDispatcher.runOnce()
    const later = receiver.requests[1] as ReceivedRequest
    expect(String(later.headers['webhook-signature']).split(' ')).toHaveLength(1)
    verified(newSecret, later)
    expect(() => verified(created.secret, later)).toThrow()
  })

  it('gives a message up after 8 tries, and disables an endpoint failing for 5 days, with an event', async ({
    t,
    app,
    api,
  }) => {
    t.clock.set(Date.now())
    vi.setSystemTime(t.clock.nowMs())
    const { webhook_id: webhookId } = await addEndpoint(t, app.appId, {
      url: receiver.url,
      events: ['verification.started'],
    })
    receiver.status = 500
    await api.startOk({ channel: 'email', to: 'ada@example.com' })
    await t.tessera.webhookDispatcher.runOnce()
    // The schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (each at most 10 % later).
    for (const seconds of [5, 300, 1800, 7200, 18000, 36000, 36000]) await after(t, seconds * 1.1)
    expect(receiver.requests).toHaveLength(8)
    await after(t, 3 * 86400)
    expect(receiver.requests).toHaveLength(8)
    let endpoint = (await t.request('GET', `/admin/v1/apps/${app.appId}/webhooks/${webhookId}`, admin)).json()
    expect(endpoint).toMatchObject({ enabled: true, failing_since: expect.any(String) })

    // Past 5 days of failing, the next failed try disables it.
    await after(t, 2 * 86400)
    await api.startOk({ channel: 'email', to: 'grace@example.com' })
    await t.tessera.webhookDispatcher.runOnce()
    expect(receiver.requests).toHaveLength(9)
    endpoint = (await t.request('GET', `/admin/v1/apps/${app.appId}/webhooks/${webhookId}`, admin)).json()
    expect(endpoint).toMatchObject({ enabled: false, disabled_reason: 'failing_for_5_days' })
    const events = await t.request('GET', `/admin/v1/apps/${app.appId}/events?type=webhook.disabled`, admin)
    expect(events.json().events).toMatchObject([{ type: 'webhook.disabled', details: { webhook_id: webhookId } }])
    await api.startOk({ channel: 'email', to: 'barbara@example.com' })
    await after(t, 60)
    expect(receiver.requests).toHaveLength(9)
  })
})
