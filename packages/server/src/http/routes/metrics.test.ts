import type { TestApp } from '../../../test/helpers/create-test-app.js'
import { startFakeSmsProviders, twilioCallback, twilioThenVonage } from '../../../test/helpers/fake-sms-providers.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { differences, parsePrometheusText, type Samples, sampleKey } from '../../../test/helpers/prometheus-text.js'

const GB = (n: number) => `+4474001234${String(n).padStart(2, '0')}`
const DE = (n: number) => `+49170123${String(n).padStart(4, '0')}`

async function scrape(t: TestApp): Promise<{ samples: Samples; text: string }> {
  const res = await t.request('GET', '/metrics')
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
  return { samples: parsePrometheusText(res.body), text: res.body }
}

/** The growth of Tessera's own series, counts only (histogram buckets and sums vary with timing). */
function grownTesseraSeries(before: Samples, after: Samples): Record<string, number> {
  const grown: Record<string, number> = {}
  for (const [key, delta] of differences(before, after)) {
    if (!key.startsWith('tessera_') || key.includes('_bucket{') || key.includes('_sum')) continue
    // Scrapes count themselves, a moment after they answered: left out so the comparison is exact.
    if (key.includes('route="/metrics"')) continue
    // The outbox backlog is a gauge of the shared database the background dispatcher drains meanwhile.
    if (key.startsWith('tessera_outbox_backlog')) continue
    grown[key] = delta
  }
  return grown
}

const http = (route: string, method: string, status: number) =>
  sampleKey('tessera_http_requests_total', { method, route, status })

describe('GET /metrics', () => {
  it('counts a known sequence of requests exactly, by route template, channel, outcome and reason', async ({
    t,
    api,
    appWith,
  }) => {
    const blocking = await appWith({ channels: { sms: { blocked_countries: ['DE'] } } })
    const before = await scrape(t)

    const approved = await api.startOk({ channel: 'sms', to: GB(1) })
    const locked = await api.startOk({ channel: 'sms', to: GB(2) })
    const canceled = await api.startOk({ channel: 'email', to: 'ada@example.com' })
    const expiring = await api.startOk({ channel: 'email', to: 'bob@example.com' })
    expect((await blocking.api.start({ channel: 'sms', to: DE(1) })).statusCode).toBe(400)

    expect((await api.verify(approved.id, approved.code)).statusCode).toBe(200)
    const wrong = approved.code === '000000' ? '111111' : '000000'
    const maxAttempts: number = (await api.get(locked.id)).json().attempts_remaining
    for (let i = 1; i < maxAttempts; i++) expect((await api.verify(locked.id, wrong)).statusCode).toBe(400)
    expect((await api.verify(locked.id, wrong)).statusCode).toBe(429)
    expect((await api.cancel(canceled.id)).statusCode).toBe(200)
    t.clock.advanceSeconds(11 * 60)
    expect((await api.verify(expiring.id, expiring.code)).statusCode).toBe(410)
    // Expiry is counted once, when it is first seen.
    expect((await api.verify(expiring.id, expiring.code)).statusCode).toBe(410)
    expect((await t.request('GET', `/v1/verifications/${approved.id}`, { key: api.key })).statusCode).toBe(200)
    expect((await t.request('GET', '/no/such/route/ver_123')).statusCode).toBe(404)

    const after = await scrape(t)
    expect(grownTesseraSeries(before.samples, after.samples)).toEqual({
      [http('/v1/verifications', 'POST', 201)]: 4,
      [http('/v1/verifications', 'POST', 400)]: 1,
      [http('/v1/verifications/verify', 'POST', 200)]: 1,
      [http('/v1/verifications/verify', 'POST', 400)]: maxAttempts - 1,
      [http('/v1/verifications/verify', 'POST', 429)]: 1,
      [http('/v1/verifications/verify', 'POST', 410)]: 2,
      [http('/v1/verifications/:verification_id', 'GET', 200)]: 2,
      [http('/v1/verifications/:verification_id/cancel', 'POST', 200)]: 1,
      [http('unmatched', 'GET', 404)]: 1,
      [sampleKey('tessera_http_request_duration_seconds_count', { route: '/v1/verifications' })]: 5,
      [sampleKey('tessera_http_request_duration_seconds_count', { route: '/v1/verifications/verify' })]:
        maxAttempts + 3,
      [sampleKey('tessera_http_request_duration_seconds_count', { route: '/v1/verifications/:verification_id' })]: 2,
      [sampleKey('tessera_http_request_duration_seconds_count', {
        route: '/v1/verifications/:verification_id/cancel',
      })]: 1,
      [sampleKey('tessera_http_request_duration_seconds_count', { route: 'unmatched' })]: 1,
      [sampleKey('tessera_verifications_started_total', { channel: 'sms' })]: 2,
      [sampleKey('tessera_verifications_started_total', { channel: 'email' })]: 2,
      [sampleKey('tessera_verifications_finished_total', { channel: 'sms', outcome: 'approved' })]: 1,
      [sampleKey('tessera_verifications_finished_total', { channel: 'sms', outcome: 'locked' })]: 1,
      [sampleKey('tessera_verifications_finished_total', { channel: 'email', outcome: 'canceled' })]: 1,
      [sampleKey('tessera_verifications_finished_total', { channel: 'email', outcome: 'expired' })]: 1,
      [sampleKey('tessera_sends_total', { channel: 'sms', provider: 'capture', result: 'sent' })]: 2,
      [sampleKey('tessera_sends_total', { channel: 'email', provider: 'capture', result: 'sent' })]: 2,
      [sampleKey('tessera_send_refusals_total', { reason: 'blocked_country' })]: 1,
    })

    // Node's own process metrics are there too.
    expect(after.samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0)
    expect(after.samples.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
    // No label carries an id, a key, an identifier or a raw URL.
    for (const secretish of [approved.id, api.key, 'ver_123', 'ada@', '+44', GB(1).slice(1), '/no/such']) {
      expect(after.text).not.toContain(secretish)
    }
  })

  it('shows a provider breaker open while messages skip the provider, and counts the failed and skipped sends', async ({
    t,
    appWith,
  }) => {
    const fragile = await appWith({
      channels: { sms: { circuit_breaker: { failure_threshold: 2, cooldown_seconds: 60 } } },
    })
    const before = await scrape(t)
    t.capture.failNext(2)
    expect((await fragile.api.start({ channel: 'sms', to: GB(3) })).statusCode).toBe(502)
    expect((await fragile.api.start({ channel: 'sms', to: GB(4) })).statusCode).toBe(502)
    const open = await scrape(t)
    expect(open.samples.get(sampleKey('tessera_provider_breaker_open', { provider: 'capture' }))).toBe(1)
    // Every breaker of the chain open: the first provider is tried anyway (and now works, closing it).
    await fragile.api.startOk({ channel: 'sms', to: GB(5) })
    const closed = await scrape(t)
    expect(closed.samples.get(sampleKey('tessera_provider_breaker_open', { provider: 'capture' }))).toBe(0)
    const grown = grownTesseraSeries(before.samples, closed.samples)
    expect(grown[sampleKey('tessera_sends_total', { channel: 'sms', provider: 'capture', result: 'failed' })]).toBe(2)
    expect(grown[sampleKey('tessera_sends_total', { channel: 'sms', provider: 'capture', result: 'sent' })]).toBe(1)
    expect(grown[sampleKey('tessera_verifications_started_total', { channel: 'sms' })]).toBe(1)
  })

  describe('delivery latency', () => {
    it('observes send to receipt from a genuine provider callback, once', async ({ t, appWith, onTestFinished }) => {
      const fake = await startFakeSmsProviders()
      onTestFinished(() => fake.close())
      const { api } = await appWith({ channels: { sms: { providers: twilioThenVonage(fake.url, 10_000) } } })
      const before = await scrape(t)
      expect((await api.start({ channel: 'sms', to: '+14155552671' })).statusCode).toBe(201)
      expect(fake.messages.map((message) => message.provider)).toEqual(['twilio'])
      const sid = fake.messages[0]?.messageId ?? ''
      t.clock.advanceSeconds(4)
      const callback = twilioCallback('http://tessera.test/v1/providers/twilio/status', {
        MessageSid: sid,
        MessageStatus: 'delivered',
      })
      for (let i = 0; i < 2; i++) {
        const res = await t.tessera.server.inject({
          method: 'POST',
          url: '/v1/providers/twilio/status',
          headers: callback.headers,
          payload: callback.body,
        })
        expect(res.statusCode).toBe(204)
      }
      const after = await scrape(t)
      const labels = { channel: 'sms', provider: 'twilio' }
      const grown = differences(before.samples, after.samples)
      expect(grown.get(sampleKey('tessera_delivery_latency_seconds_count', labels))).toBe(1)
      expect(grown.get(sampleKey('tessera_delivery_latency_seconds_sum', labels))).toBe(4)
      expect(grown.get(sampleKey('tessera_delivery_latency_seconds_bucket', { ...labels, le: '2' }))).toBeUndefined()
      expect(grown.get(sampleKey('tessera_delivery_latency_seconds_bucket', { ...labels, le: '5' }))).toBe(1)
      expect(grown.get(sampleKey('tessera_sends_total', { ...labels, result: 'sent' }))).toBe(1)
    })
  })
})
