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
      const made = await t.request('POST', `/admin/v1/apps/${app.appId}/webhooks`, {
        key: TEST_ADMIN_KEY,
        body: { url: 'https://hooks.example.com/tessera' },
      })
      expect(made.statusCode, made.body).toBe(201)
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
})
