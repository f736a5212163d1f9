import { describe, expect, it } from '../../test/helpers/fixtures.js'
import { summarizeActivity } from './activity-stats.js'
import { createEventLog } from './event-log.js'

describe('summarizeActivity', () => {
  it('counts sends, approvals and delivery failures per bucket, channel and destination country', async ({
    t,
    app: { appId },
    api,
  }) => {
    const start = (channel: string, to: string) => api.start({ channel, to })
    const us = (await start('sms', '+14155552671')).json<{ verification_id: string }>()
    await start('sms', '+919812345678')
    await api.verify(us.verification_id, t.capture.lastCode('+14155552671'))
    t.clock.advanceSeconds(3600)
    await start('email', 'ada@example.com')
    t.capture.failNext(1)
    expect((await start('email', 'bob@example.com')).statusCode).toBe(502)

    const { store } = t.tessera
    const events = createEventLog({ events: store.events, clock: t.clock, logger: { error() {} } as never })
    const fromMs = t.clock.nowMs() - 3600_000
    const summary = await summarizeActivity({ store, events, clock: t.clock }, appId, {
      fromMs,
      toMs: fromMs + 2 * 3600_000,
      bucketMs: 3600_000,
    })
    expect(summary.buckets).toHaveLength(2)
    expect(summary.buckets[0]).toMatchObject({ sends: { sms: 2 }, verifications: 2, approved: 1 })
    expect(summary.buckets[1]).toMatchObject({
      sends: { email: 1 },
      verifications: 1,
      approved: 0,
      deliveryFailures: 1,
    })
    expect(summary.totals).toMatchObject({ sends: 3, verifications: 3, approved: 1, deliveryFailures: 1 })
    expect(summary.countries.map((entry) => entry.country).sort()).toEqual(['IN', 'US', 'email'])
  })
})
