import pino from 'pino'
import { describe, expect, it } from '../../test/helpers/fixtures.js'
import { startPruneJob } from './prune-job.js'

describe('prune job', () => {
  it('deletes verifications, tokens, events and delivery attempts past the retention, and keeps recent ones', async ({
    t,
    app: { appId },
    api,
  }) => {
    const start = () => api.start({ channel: 'email', to: 'a@example.com' })
    const old = (await start()).json().verification_id
    const oldToken = (await api.verify(old, t.capture.lastCode())).json().verification_token
    await api.introspect('forged')

    t.clock.advanceSeconds(31 * 86_400)
    const fresh = (await start()).json().verification_id

    const job = startPruneJob({
      store: t.tessera.store,
      clock: t.clock,
      logger: pino({ level: 'silent' }),
      retentionDays: 30,
      intervalMs: 3_600_000,
    })
    try {
      expect(await job.runOnce()).toBe(true)
    } finally {
      job.stop()
    }
    const store = t.tessera.store
    expect(await store.verifications.findById(appId, old)).toBeUndefined()
    expect(await store.verifications.findById(appId, fresh)).toBeDefined()
    // Delivery attempts go with their age too (read by verification: the only index they keep, migration 0018).
    expect(await store.deliveries.listByVerification(appId, old)).toEqual([])
    expect(await store.deliveries.listByVerification(appId, fresh)).toHaveLength(1)
    const introspection = await api.introspect(oldToken)
    expect(introspection.json()).toEqual({ active: false, reason: 'invalid' })
    const events = await store.events.listRecent(appId, { limit: 100 })
    // The forged-token event was 31 days old; the one just recorded by the introspection above is new.
    expect(events.every((event) => Number(event.createdAt) >= t.clock.nowMs() - 30 * 86_400_000)).toBe(true)
  })

  it('runs on one instance at a time', async ({ t }) => {
    let release: () => void = () => undefined
    const blocker = new Promise<void>((resolve) => {
      release = resolve
    })
    // The lock is one for the whole database: another test's instance may hold it a moment. Try until this
    // task is the one running, so that the second call below meets a lock held here.
    let first: Promise<unknown> = Promise.resolve()
    let entered = false
    for (let tries = 0; tries < 200; tries++) {
      entered = false
      first = t.tessera.store.maintenance.runExclusive(() => {
        entered = true
        return blocker
      })
      const outcome = await Promise.race([first.then(() => 'ended'), new Promise((done) => setTimeout(done, 20))])
      if (entered && outcome !== 'ended') break
      await first
    }
    // Without this, a lock held elsewhere all along would answer the second call as this one's would.
    expect(entered).toBe(true)
    const second = await t.tessera.store.maintenance.runExclusive(async () => 'ran')
    release()
    await first
    // SQLite serves a single instance and always runs; PostgreSQL's advisory lock lets only one through.
    if (process.env.TEST_DATABASE === 'postgres') expect(second).toEqual({ ran: false })
    else expect(second).toEqual({ ran: true, result: 'ran' })
  })
})
