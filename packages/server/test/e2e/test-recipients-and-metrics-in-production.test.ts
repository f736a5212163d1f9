import { afterAll, describe, expect, it } from 'vitest'
import { parsePrometheusText, sampleKey } from '../helpers/prometheus-text.js'
import { call, createAppWithKey } from './helpers/api.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer } from './helpers/start-server.js'

afterAll(async () => {
  await killAll()
  cleanupTempDirs()
})

const REVIEWER = { to: '+447400123499', code: '424242' }

// A production server with no delivery configured at all: no SMS provider, no SMTP (the console provider is
// refused in production). Test recipients still work for an app that allows them there; nothing else can send.
describe('a production server without delivery', () => {
  it('refuses test recipients unless the app allows them, then verifies them with the fixed code', async () => {
    const secrets = secretsForTest()
    const server = await startServer({ env: { ...secrets, NODE_ENV: 'production', TESSERA_METRICS: '127.0.0.1:0' } })
    try {
      const refused = await call(server.url, 'POST', '/admin/v1/apps', {
        key: secrets.TESSERA_ADMIN_KEY,
        body: { name: 'Store review', settings: { test_recipients: [REVIEWER] } },
      })
      expect(refused.status).toBe(400)
      expect(refused.body).toMatchObject({ error: 'test_recipients_not_allowed', error_code: 4180 })

      const app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Store review', {
        test_recipients: [REVIEWER],
        allow_test_recipients_in_production: true,
      })
      const started = await call(server.url, 'POST', '/v1/verifications', {
        key: app.key,
        body: { channel: 'sms', to: REVIEWER.to },
      })
      expect(started.status).toBe(201)
      expect(started.body).toMatchObject({ status: 'pending', test: true, to: expect.not.stringContaining('123499') })
      const verified = await call(server.url, 'POST', '/v1/verifications/verify', {
        key: app.key,
        body: { verification_id: started.body.verification_id, verification_code: REVIEWER.code },
      })
      expect(verified.status).toBe(200)
      expect(verified.body.verification_token).toEqual(expect.any(String))

      // Anyone else: no provider can carry it.
      const other = await call(server.url, 'POST', '/v1/verifications', {
        key: app.key,
        body: { channel: 'sms', to: '+447400123401' },
      })
      expect(other.status).toBe(400)
      expect(other.body).toMatchObject({ error: 'channel_not_enabled' })

      // Metrics are on their own listener (TESSERA_METRICS=host:port), not on the public port.
      expect((await call(server.url, 'GET', '/metrics')).status).toBe(404)
      const metricsUrl = server.stdout.map((line) => /metrics +(http:\/\/\S+\/metrics)/.exec(line)?.[1]).find(Boolean)
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
      const scraped = await fetch(metricsUrl as string)
      expect(scraped.status).toBe(200)
      const samples = parsePrometheusText(await scraped.text())
      expect(samples.get(sampleKey('tessera_verifications_started_total', { channel: 'sms' }))).toBe(1)
      expect(
        samples.get(sampleKey('tessera_verifications_finished_total', { channel: 'sms', outcome: 'approved' })),
      ).toBe(1)
      expect(
        samples.get(sampleKey('tessera_sends_total', { channel: 'sms', provider: 'console', result: 'sent' })),
      ).toBeUndefined()
      expect(
        samples.get(
          sampleKey('tessera_http_requests_total', { method: 'POST', route: '/v1/verifications', status: 201 }),
        ),
      ).toBe(1)
      expect((await fetch(metricsUrl?.replace('/metrics', '/other') as string)).status).toBe(404)
      expect(await server.stop()).toBe(0)
    } finally {
      await server.stop('SIGKILL')
    }
  }, 90_000)

  it('TESSERA_METRICS=off serves no metrics', async () => {
    const server = await startServer({ env: { ...secretsForTest(), TESSERA_METRICS: 'off' } })
    try {
      expect((await call(server.url, 'GET', '/metrics')).status).toBe(404)
      expect(server.stdout.some((line) => /metrics +off/.test(line))).toBe(true)
    } finally {
      await server.stop('SIGKILL')
    }
  }, 60_000)
})
