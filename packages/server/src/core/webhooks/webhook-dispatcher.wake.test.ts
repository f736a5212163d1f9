import pino from 'pino'
import { TEST_ADMIN_KEY, TEST_SECRET, type TestApp } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { deriveServerKeys } from '../../crypto/secrets.js'
import type { EventLog } from '../event-log.js'
import { createWebhookDispatcher, type WebhookDispatcher } from './webhook-dispatcher.js'

/**
 * A dispatcher of its own beside the test server's, on the same store, that polls only once an hour: a pass
 * within the test comes from a wake. Its event log is a stand-in whose listener the test calls, as the real one
 * does after each commit; `passes` counts the passes (each begins with beforePass).
 */
function wakeProbe(t: TestApp) {
  let listener: (appId: string | null) => void = () => undefined
  const events = {
    onRecorded(next: (appId: string | null) => void) {
      listener = next
    },
  } as unknown as EventLog // only onRecorded is used by the dispatcher's wake
  let passes = 0
  let passed: () => void = () => undefined
  const sent: string[] = []
  const dispatcher: WebhookDispatcher = createWebhookDispatcher({
    store: t.tessera.store,
    clock: t.clock,
    serverKeys: deriveServerKeys(TEST_SECRET),
    events,
    logger: pino({ level: 'silent' }),
    send: async (request) => {
      sent.push(request.body)
      return { status: 204, latencyMs: 1 }
    },
    pollIntervalMs: 3_600_000,
    beforePass: async () => {
      passes++
      passed()
    },
  })
  dispatcher.start()
  return {
    dispatcher,
    sent,
    passes: () => passes,
    /** Tells the dispatcher an event of `appId` was recorded; answers whether a pass followed (within 2 s). */
    async recorded(appId: string): Promise<boolean> {
      const before = passes
      const woken = new Promise<void>((resolve) => {
        passed = resolve
      })
      listener(appId)
      await Promise.race([woken, new Promise((resolve) => setTimeout(resolve, 2_000))])
      return passes > before
    },
  }
}

/** Makes an endpoint through the admin API; answers its path. */
async function makeWebhook(t: TestApp, appId: string, url: string): Promise<string> {
  const made = await t.request('POST', `/admin/v1/apps/${appId}/webhooks`, { key: TEST_ADMIN_KEY, body: { url } })
  expect(made.statusCode, made.body).toBe(201)
  return `/admin/v1/apps/${appId}/webhooks/${(JSON.parse(made.body) as { webhook_id: string }).webhook_id}`
}

describe('what wakes the webhook dispatcher', () => {
  it('events of an app without endpoints wake nothing; an endpoint made here, or found by a pass, wakes it', async ({
    t,
    app,
    appWith,
    api,
  }) => {
    // The test server's own dispatcher stays out of the way: a pass of its could fan out what the probe's should.
    await t.tessera.webhookDispatcher.stop()
    const probe = wakeProbe(t)
    try {
      // No endpoint anywhere: nothing is dispatched, so nothing wakes (the poll alone would look).
      expect(await probe.recorded(app.appId)).toBe(false)
      expect(probe.passes()).toBe(0)

      // An endpoint made through this instance's API: its app's events wake the test server's dispatcher. The
      // probe learns of it as another instance would: from a pass that finds the app's events to fan out.
      await makeWebhook(t, app.appId, 'https://hooks.example.com/tessera')
      expect(await probe.recorded(app.appId)).toBe(false)
      await api.startOk({ channel: 'email', to: 'ada@example.com' })
      await probe.dispatcher.runOnce()
      expect(await probe.recorded(app.appId)).toBe(true)

      // Told directly (an endpoint made or turned back on here): woken from the first event.
      const other = await appWith()
      expect(await probe.recorded(other.appId)).toBe(false)
      probe.dispatcher.wakeFor(other.appId)
      expect(await probe.recorded(other.appId)).toBe(true)
    } finally {
      await probe.dispatcher.stop()
    }
  })

  it('an app whose endpoints were all deleted or turned off stops waking it; one still on keeps it woken', async ({
    t,
    app,
    api,
  }) => {
    await t.tessera.webhookDispatcher.stop()
    const probe = wakeProbe(t)
    try {
      const first = await makeWebhook(t, app.appId, 'https://hooks.example.com/one')
      const second = await makeWebhook(t, app.appId, 'https://hooks.example.com/two')
      await api.startOk({ channel: 'email', to: 'ada@example.com' })
      await probe.dispatcher.runOnce()
      expect(await probe.recorded(app.appId)).toBe(true)

      // The service tells its dispatcher to look again after each deletion or turning off (app.ts); here the
      // probe is told as the test server's dispatcher was. One endpoint still on: still woken.
      const deleted = await t.request('DELETE', first, { key: TEST_ADMIN_KEY })
      expect(deleted.statusCode, deleted.body).toBe(204)
      await probe.dispatcher.recheck(app.appId)
      expect(await probe.recorded(app.appId)).toBe(true)

      const off = await t.request('PATCH', second, { key: TEST_ADMIN_KEY, body: { enabled: false } })
      expect(off.statusCode, off.body).toBe(200)
      await probe.dispatcher.recheck(app.appId)
      expect(await probe.recorded(app.appId)).toBe(false)
    } finally {
      await probe.dispatcher.stop()
    }
  })

  it('an app whose endpoints were deleted on another instance stops waking it after one pass finds nothing of it', async ({
    t,
    app,
    api,
  }) => {
    await t.tessera.webhookDispatcher.stop()
    // The probe is the other instance: nothing tells it of the deletion.
    const probe = wakeProbe(t)
    try {
      const path = await makeWebhook(t, app.appId, 'https://hooks.example.com/tessera')
      await api.startOk({ channel: 'email', to: 'ada@example.com' })
      await probe.dispatcher.runOnce()
      // Woken with the endpoint on but nothing to fan out (another instance took the events): still woken.
      // (`recorded` answers when a pass begins; runOnce waits for that pass to end, rechecks included.)
      expect(await probe.recorded(app.appId)).toBe(true)
      await probe.dispatcher.runOnce()
      expect(await probe.recorded(app.appId)).toBe(true)
      await probe.dispatcher.runOnce()

      expect((await t.request('DELETE', path, { key: TEST_ADMIN_KEY })).statusCode).toBe(204)
      const sent = probe.sent.length
      await api.startOk({ channel: 'email', to: 'bob@example.com' })
      // One pass more, which finds none of the app's events (they were recorded with no endpoint on): then none.
      expect(await probe.recorded(app.appId)).toBe(true)
      await probe.dispatcher.runOnce()
      expect(await probe.recorded(app.appId)).toBe(false)
      expect(probe.sent.length).toBe(sent)
    } finally {
      await probe.dispatcher.stop()
    }
  })

  it('the webhook API tells the dispatcher when an endpoint is deleted or turned off', async ({ t, app }) => {
    const rechecked: string[] = []
    const dispatcher = t.tessera.webhookDispatcher
    const recheck = dispatcher.recheck
    dispatcher.recheck = async (appId) => {
      rechecked.push(appId)
      await recheck(appId)
    }
    const path = await makeWebhook(t, app.appId, 'https://hooks.example.com/tessera')
    expect((await t.request('PATCH', path, { key: TEST_ADMIN_KEY, body: { description: 'x' } })).statusCode).toBe(200)
    expect(rechecked).toEqual([])
    expect((await t.request('PATCH', path, { key: TEST_ADMIN_KEY, body: { enabled: false } })).statusCode).toBe(200)
    expect((await t.request('DELETE', path, { key: TEST_ADMIN_KEY })).statusCode).toBe(204)
    expect(rechecked).toEqual([app.appId, app.appId])
  })
})
