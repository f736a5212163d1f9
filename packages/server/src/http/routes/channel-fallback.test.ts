import { afterAll, beforeAll, beforeEach } from 'vitest'
import { TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'
import {
  metaEntry,
  metaReceipt,
  useFakeVoiceAndChatProviders,
} from '../../../test/helpers/fake-voice-and-chat-providers.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { createSharedDatabaseInstances } from '../../../test/helpers/shared-database.js'

// Fallback across channels: a WhatsApp message that fails (by receipt) or is not delivered in time is replaced by
// an SMS with a new code, on the same verification, once, whichever instance notices first.

const fakes = useFakeVoiceAndChatProviders({ beforeAll, afterAll, beforeEach })
const PHONE = '+14155552671'
const admin = { key: TEST_ADMIN_KEY }
const toSms = (after_seconds = 20) => ({ fallback: { channel: 'sms', after_seconds } })

const postReceipt = (t: TestApp, signed: { body: string; headers: Record<string, string> }) =>
  t.tessera.server.inject({
    method: 'POST',
    url: '/v1/providers/meta/status',
    headers: signed.headers,
    payload: signed.body,
  })

/** The code Meta was asked to send (the template's body parameter). */
function metaCode(body: Record<string, unknown> | undefined): string {
  const template = body?.template as { components: Array<{ parameters: Array<{ text: string }> }> } | undefined
  return template?.components[0]?.parameters[0]?.text ?? ''
}

describe('fallback by receipt', () => {
  it('a failed WhatsApp receipt sends a new code by SMS: the old code dies, both deliveries show', async ({
    t,
    appWith,
  }) => {
    const fake = fakes()
    const { api, appId } = await appWith({
      channels: { whatsapp: { providers: [metaEntry(fake.url)], ...toSms(), resend_cooldown_seconds: 300 } },
    })
    const started = await api.start({ channel: 'whatsapp', to: PHONE })
    expect(started.statusCode).toBe(201)
    const id = started.json().verification_id as string
    const whatsappCode = metaCode(fake.requests[0]?.body)
    const wamid = fake.requests[0]?.messageId ?? ''
    const failed = metaReceipt([{ id: wamid, status: 'failed', errors: [{ code: 131026, title: 'Undeliverable' }] }])
    expect((await postReceipt(t, failed)).statusCode).toBe(204)

    expect(t.capture.messages.map((m) => [m.channel, m.to])).toEqual([['sms', PHONE]])
    const view = (await api.get(id)).json()
    expect(view).toMatchObject({ channel: 'sms', status: 'pending', sends_remaining: 3 })
    expect(view.deliveries).toMatchObject([
      { provider: 'meta', status: 'failed', error_code: '131026' },
      { provider: 'capture', status: 'sent' },
    ])
    const events = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=verification.fallback`, admin)
    expect(events.json().events[0].details).toEqual({ from: 'whatsapp', to: 'sms', reason: 'failed' })
    // The WhatsApp code no longer works; the SMS code does, and the token names the channel that delivered.
    expect((await api.verify(id, whatsappCode)).statusCode).toBe(400)
    const verified = await api.verify(id, t.capture.codeOf(id))
    expect(verified.statusCode).toBe(200)
    const token = (await api.introspect(verified.json().verification_token)).json()
    expect(token).toMatchObject({ active: true, channel: 'sms' })
  })

  it('falls back once however many failed receipts arrive, in parallel, twice or after the timer', async ({
    t,
    appWith,
  }) => {
    const fake = fakes()
    const { api } = await appWith({ channels: { whatsapp: { providers: [metaEntry(fake.url)], ...toSms(5) } } })
    const id = (await api.start({ channel: 'whatsapp', to: PHONE })).json().verification_id as string
    const wamid = fake.requests[0]?.messageId ?? ''
    t.clock.advanceSeconds(6)
    const failed = metaReceipt([{ id: wamid, status: 'failed' }])
    const undelivered = metaReceipt([{ id: wamid, status: 'failed', errors: [{ code: 131047, title: 'Re-engage' }] }])
    await Promise.all([
      postReceipt(t, failed),
      postReceipt(t, undelivered),
      t.tessera.runDueFallbacks(),
      postReceipt(t, failed),
      t.tessera.runDueFallbacks(),
    ])
    expect(t.capture.messages).toHaveLength(1)
    expect((await api.get(id)).json()).toMatchObject({ channel: 'sms', sends_remaining: 3 })
  })

  it('a failed receipt about an older send (before a resend) changes nothing', async ({ t, appWith }) => {
    const fake = fakes()
    const { api } = await appWith({
      channels: { whatsapp: { providers: [metaEntry(fake.url)], ...toSms(), resend_cooldown_seconds: 0 } },
    })
    const id = (await api.start({ channel: 'whatsapp', to: PHONE })).json().verification_id as string
    t.clock.advanceSeconds(1)
    expect((await api.resend(id)).statusCode).toBe(200)
    const first = fake.requests[0]?.messageId ?? ''
    expect((await postReceipt(t, metaReceipt([{ id: first, status: 'failed' }]))).statusCode).toBe(204)
    expect(t.capture.messages).toHaveLength(0)
    expect((await api.get(id)).json().channel).toBe('whatsapp')
  })
})

describe('fallback by timeout', () => {
  it('sends by SMS after after_seconds without a delivered receipt, not before, despite the resend cooldown', async ({
    t,
    appWith,
  }) => {
    const { api } = await appWith({ channels: { whatsapp: { ...toSms(20), resend_cooldown_seconds: 600 } } })
    const id = (await api.start({ channel: 'whatsapp', to: PHONE })).json().verification_id as string
    expect(t.capture.messages.map((m) => m.channel)).toEqual(['whatsapp'])
    t.clock.advanceSeconds(19)
    expect(await t.tessera.runDueFallbacks()).toBe(0)
    expect(t.capture.messages).toHaveLength(1)
    t.clock.advanceSeconds(2)
    await t.tessera.runDueFallbacks()
    expect(t.capture.messages.map((m) => m.channel)).toEqual(['whatsapp', 'sms'])
    expect((await api.get(id)).json()).toMatchObject({ channel: 'sms', sends_remaining: 3 })
    // Later sweeps send nothing more.
    t.clock.advanceSeconds(60)
    await t.tessera.runDueFallbacks()
    expect(t.capture.messages).toHaveLength(2)
    expect((await api.verify(id, t.capture.codeOf(id))).statusCode).toBe(200)
  })

  it('does not fall back when a delivered (or read) receipt came in time', async ({ t, appWith }) => {
    const fake = fakes()
    const { api } = await appWith({ channels: { whatsapp: { providers: [metaEntry(fake.url)], ...toSms(20) } } })
    const id = (await api.start({ channel: 'whatsapp', to: PHONE })).json().verification_id as string
    const wamid = fake.requests[0]?.messageId ?? ''
    t.clock.advanceSeconds(5)
    expect((await postReceipt(t, metaReceipt([{ id: wamid, status: 'read' }]))).statusCode).toBe(204)
    t.clock.advanceSeconds(30)
    await t.tessera.runDueFallbacks()
    expect(t.capture.messages).toHaveLength(0)
    expect((await api.get(id)).json().channel).toBe('whatsapp')
  })

  it('counts toward max_sends: with no send left there is no fallback, only an event', async ({ t, appWith }) => {
    const { api, appId } = await appWith({ channels: { whatsapp: { ...toSms(10), max_sends: 1 } } })
    const id = (await api.start({ channel: 'whatsapp', to: PHONE })).json().verification_id as string
    t.clock.advanceSeconds(11)
    await t.tessera.runDueFallbacks()
    expect(t.capture.messages.map((m) => m.channel)).toEqual(['whatsapp'])
    expect((await api.get(id)).json().channel).toBe('whatsapp')
    const skipped = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=verification.fallback_skipped`, admin)
    expect(skipped.json().events[0].details).toMatchObject({ from: 'whatsapp', to: 'sms', reason: 'max_sends_reached' })
  })

  it('nothing falls back for a verification that was approved or canceled meanwhile', async ({ t, appWith }) => {
    const { api } = await appWith({ channels: { whatsapp: toSms(10) } })
    const approved = await api.startOk({ channel: 'whatsapp', to: PHONE })
    expect((await api.verify(approved.id, approved.code)).statusCode).toBe(200)
    const canceled = (await api.start({ channel: 'whatsapp', to: '+14155552672' })).json().verification_id as string
    expect((await api.cancel(canceled)).statusCode).toBe(200)
    t.clock.advanceSeconds(11)
    await t.tessera.runDueFallbacks()
    expect(t.capture.messages.map((m) => m.channel)).toEqual(['whatsapp', 'whatsapp'])
  })

  it('runs on every instance of one database and still sends each fallback once', async () => {
    const shared = await createSharedDatabaseInstances(3)
    try {
      const [a, b, c] = shared.instances
      if (!a || !b || !c) throw new Error('three instances')
      const created = await a.server.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'Acme', settings: { channels: { whatsapp: toSms(20) } } }),
      })
      const appId = created.json().app_id as string
      const key = (
        await a.server.inject({
          method: 'POST',
          url: `/admin/v1/apps/${appId}/keys`,
          headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
          payload: '{}',
        })
      ).json().key as string
      for (const to of ['+14155552671', '+14155552672', '+14155552673']) {
        const res = await a.server.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ channel: 'whatsapp', to }),
        })
        expect(res.statusCode).toBe(201)
      }
      shared.clock.advanceSeconds(21)
      // PostgreSQL takes the instances' sweeps at once; one SQLite file takes them one after another.
      if (process.env.TEST_DATABASE === 'postgres') {
        await Promise.all([a.runDueFallbacks(), b.runDueFallbacks(), c.runDueFallbacks(), a.runDueFallbacks()])
      } else {
        for (const instance of [b, c, a]) await instance.runDueFallbacks()
      }
      const sms = shared.capture.messages.filter((m) => m.channel === 'sms').map((m) => m.to)
      expect(sms.sort()).toEqual(['+14155552671', '+14155552672', '+14155552673'])
    } finally {
      await shared.close()
    }
  })
})

describe('resend {channel}', () => {
  it('sends the new code by the channel the person asks for and the old code dies', async ({ t, api }) => {
    const { id, code } = await api.startOk({ channel: 'sms', to: PHONE })
    t.clock.advanceSeconds(31)
    const res = await api.resend(id, { channel: 'call' })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ channel: 'call', sends_remaining: 3 })
    const call = t.capture.messages.at(-1)
    expect(call).toMatchObject({ channel: 'call', to: PHONE, speech: { language: 'en-US' } })
    expect((await api.verify(id, code)).statusCode).toBe(400)
    expect((await api.verify(id, t.capture.codeOf(id))).statusCode).toBe(200)
  })

  it('keeps the cooldown (it paces people) and refuses channels that are off or reach another identifier', async ({
    t,
    appWith,
  }) => {
    const { api } = await appWith({ channels: { call: { enabled: false } } })
    const { id } = await api.startOk({ channel: 'sms', to: PHONE })
    expect((await api.resend(id, { channel: 'whatsapp' })).json()).toMatchObject({ error: 'resend_too_soon' })
    t.clock.advanceSeconds(31)
    expect((await api.resend(id, { channel: 'call' })).json()).toMatchObject({ error: 'channel_not_enabled' })
    expect((await api.resend(id, { channel: 'email' })).json()).toMatchObject({ error: 'channel_not_enabled' })
    expect((await api.resend(id, { channel: 'pigeon' })).statusCode).toBe(400)
    expect((await api.get(id)).json()).toMatchObject({ channel: 'sms', sends_remaining: 4 })
    expect((await api.resend(id, { channel: 'whatsapp' })).json()).toMatchObject({ channel: 'whatsapp' })
  })
})

describe('fallback settings', () => {
  it.for([
    [{ whatsapp: { fallback: { channel: 'email', after_seconds: 20 } } }, 'channels.whatsapp.fallback.channel'],
    [{ whatsapp: { fallback: { channel: 'fax', after_seconds: 20 } } }, 'channels.whatsapp.fallback.channel'],
    [{ whatsapp: { fallback: { channel: 'sms', after_seconds: 0 } } }, 'channels.whatsapp.fallback.after_seconds'],
    [
      {
        whatsapp: { fallback: { channel: 'sms', after_seconds: 20 } },
        sms: { fallback: { channel: 'whatsapp', after_seconds: 20 } },
      },
      'fallbacks lead back',
    ],
  ] as const)('refuses %j naming %s', async ([channels, named], { t }) => {
    const res = await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Acme', settings: { channels } } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_description).toContain(named)
  })

  it('takes null to remove a fallback (RFC 7396)', async ({ t, appWith }) => {
    const { appId } = await appWith({ channels: { whatsapp: toSms(20) } })
    const res = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      ...admin,
      body: { settings: { channels: { whatsapp: { fallback: null } } } },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().settings.channels.whatsapp.fallback).toBeUndefined()
  })
})

describe('fallback when the first send fails outright', () => {
  for (const [behaviour, why] of [
    ['server_error', 'every WhatsApp provider failed'],
    ['invalid_number', 'the number is not on WhatsApp (131026)'],
  ] as const) {
    it(`answers the start by SMS when ${why}: one verification, both deliveries, the SMS code approves`, async ({
      appWith,
      t,
    }) => {
      const fake = fakes()
      fake.behaviour.meta = behaviour
      const { api, appId } = await appWith({ channels: { whatsapp: { providers: [metaEntry(fake.url)], ...toSms() } } })
      const started = await api.start({ channel: 'whatsapp', to: PHONE })
      expect(started.statusCode).toBe(201)
      expect(started.json()).toMatchObject({ channel: 'sms', status: 'pending' })
      const id = started.json().verification_id as string
      expect(t.capture.messages.map((m) => [m.channel, m.to])).toEqual([['sms', PHONE]])
      const view = (await api.get(id)).json()
      expect(view.deliveries.map((d: { provider: string; status: string }) => [d.provider, d.status])).toEqual([
        ['meta', 'failed'],
        ['capture', 'sent'],
      ])
      const events = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=verification.fallback`, admin)
      expect(events.json().events[0].details).toEqual({ from: 'whatsapp', to: 'sms', reason: 'failed' })
      expect((await api.verify(id, t.capture.codeOf(id))).statusCode).toBe(200)
      // The timer has nothing left to do for it.
      t.clock.advanceSeconds(60)
      expect(await t.tessera.runDueFallbacks()).toBe(0)
      expect(t.capture.messages).toHaveLength(1)
    })
  }

  it('fails the start as before when the fallback cannot be sent either, leaving nothing behind', async ({
    appWith,
    t,
  }) => {
    const fake = fakes()
    fake.behaviour.meta = 'server_error'
    const { api, appId } = await appWith({ channels: { whatsapp: { providers: [metaEntry(fake.url)], ...toSms() } } })
    t.capture.failNext(1)
    const started = await api.start({ channel: 'whatsapp', to: PHONE })
    expect(started.statusCode).toBe(502)
    expect(started.json().error).toBe('delivery_failed')
    const list = await t.request('GET', `/admin/v1/apps/${appId}/verifications`, admin)
    expect(list.statusCode).toBe(200)
    expect(list.json().verifications).toEqual([])
    // The SMS fallback was tried (and failed): nothing went out on either channel.
    const events = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=verification.fallback`, admin)
    expect(events.json().events.map((e: { details: unknown }) => e.details)).toEqual([
      { from: 'whatsapp', to: 'sms', reason: 'failed' },
    ])
    expect(fake.requests).toHaveLength(0)
    expect(t.capture.messages).toHaveLength(0)
  })

  it('fails the start as before when the channel names no fallback', async ({ appWith, t }) => {
    const fake = fakes()
    fake.behaviour.meta = 'server_error'
    const { api } = await appWith({ channels: { whatsapp: { providers: [metaEntry(fake.url)] } } })
    const started = await api.start({ channel: 'whatsapp', to: PHONE })
    expect(started.statusCode).toBe(502)
    expect(t.capture.messages).toHaveLength(0)
  })
})
