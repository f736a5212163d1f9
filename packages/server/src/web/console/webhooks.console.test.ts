import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/e2e/helpers/webhook-receiver.js'
import { signInToConsole } from '../../../test/helpers/console-session.js'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'
import { testApi } from '../../../test/helpers/test-api.js'

let t: TestApp
let receiver: WebhookReceiver
beforeEach(async () => {
  t = await createTestApp()
  receiver = await startWebhookReceiver()
})
afterEach(async () => {
  await t.close()
  await receiver.close()
})

const post = (url: string, session: { cookie: string; csrf: string }, fields: Record<string, string> = {}) =>
  t.tessera.server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
    payload: new URLSearchParams({ ...fields, csrf: session.csrf }).toString(),
  })
const get = (url: string, session: { cookie: string }) =>
  t.tessera.server.inject({ method: 'GET', url, headers: { cookie: session.cookie } })

describe('the console’s Webhooks tab and Events page', () => {
  it('adds an endpoint showing its secret once, shows each event’s tries, and resends one', async () => {
    // Real time: the receiver's tries are stamped with it (and the session lives on the same clock).
    t.clock.set(Date.now())
    const session = await signInToConsole(t.tessera.server)
    const { appId, key } = await t.createApp()
    const base = `/console/apps/${appId}/webhooks`
    const tab = await get(base, session)
    expect(tab.statusCode).toBe(200)
    expect(tab.body).toContain(`<a href="${base}" aria-current="page">Webhooks</a>`)

    const added = await post(base, session, {
      url: receiver.url,
      events: 'verification.started, verification.approved',
    })
    expect(added.statusCode).toBe(201)
    const secret = /id="webhook-secret">(whsec_[^<]+)</.exec(added.body)?.[1]
    expect(secret).toMatch(/^whsec_/)
    expect(added.body).toContain('verification.started, verification.approved')
    const again = await get(base, session)
    expect(again.body).not.toContain(secret)
    const refused = await post(base, session, { url: 'http://example.com/hook' })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('https, or http on a loopback address')

    receiver.status = 500
    await testApi(t, key).startOk({ channel: 'email', to: 'ada@example.com' })
    await t.tessera.webhookDispatcher.runOnce()
    expect(receiver.requests).toHaveLength(1)
    const eventId = String(receiver.requests[0]?.headers['webhook-id'])

    const events = await get(`/console/apps/${appId}/events?type=verification.started`, session)
    expect(events.statusCode).toBe(200)
    const row = new RegExp(`<tr data-event-id="${eventId}">[\\s\\S]*?</tr>`).exec(events.body)?.[0] ?? ''
    expect(row).toContain('<span class="badge failed">500</span>')
    expect(row).toContain(`action="/console/apps/${appId}/events/${eventId}/resend"`)

    receiver.status = 200
    const resent = await post(`/console/apps/${appId}/events/${eventId}/resend`, session)
    expect(resent.statusCode).toBe(200)
    expect(resent.body).toContain('Queued again for 1 endpoint.')
    await t.tessera.webhookDispatcher.runOnce()
    expect(receiver.requests).toHaveLength(2)
    expect(receiver.requests[1]?.headers['webhook-id']).toBe(eventId)
    const after = await get(`/console/apps/${appId}/events`, session)
    const tries = new RegExp(`<tr data-event-id="${eventId}">[\\s\\S]*?</tr>`).exec(after.body)?.[0] ?? ''
    expect(tries).toContain('<span class="badge approved">200</span>')

    const webhookId = /data-webhook-id="(whk_[^"]+)"/.exec(again.body)?.[1] ?? ''
    const disabled = await post(`${base}/${webhookId}/disable`, session)
    expect(disabled.body).toContain('Endpoint disabled.')
    const rotated = await post(`${base}/${webhookId}/rotate`, session)
    expect(rotated.body).toContain('keeps signing beside it for 24 hours')
    expect(/id="webhook-secret">(whsec_[^<]+)</.exec(rotated.body)?.[1]).not.toBe(secret)
    const deleted = await post(`${base}/${webhookId}/delete`, session)
    expect(deleted.body).toContain('No endpoints yet.')
  })
})
