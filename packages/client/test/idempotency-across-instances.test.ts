import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAppWithKey, LIMITS_OUT_OF_THE_WAY } from '../../server/test/e2e/helpers/api.js'
import { createTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../../server/test/e2e/helpers/scale-out.js'
import {
  cleanupTempDirs,
  killAll,
  secretsForTest,
  startServer,
  type TestServer,
} from '../../server/test/e2e/helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from '../../server/test/e2e/helpers/webhook-receiver.js'
import { Tessera } from '../src/index.js'

// Two Tessera processes on one PostgreSQL, as behind a load balancer: the SDK's starts with one Idempotency-Key,
// sent to both at once, send one SMS and all answer the same verification.

if (!TEST_POSTGRES_URL) {
  process.stderr.write('TEST_POSTGRES_URL is not set: the SDK’s two-instance Idempotency-Key test is skipped.\n')
}

describe.skipIf(!TEST_POSTGRES_URL)('Idempotency-Key across two instances on PostgreSQL', () => {
  let schema: TestSchema
  let sms: WebhookReceiver
  let servers: TestServer[] = []
  let apiKey: string

  beforeAll(async () => {
    schema = await createTestSchema('sdk_idem')
    sms = await startWebhookReceiver()
    const env = {
      ...secretsForTest(),
      DATABASE_URL: schema.databaseUrl,
      TESSERA_SMS_WEBHOOK_URL: sms.url,
      TESSERA_SMS_WEBHOOK_SECRET: 'whsec_dGVzc2VyYS1jbGllbnQtdGVzdC1zZWNyZXQ=',
    }
    // One after the other: the first migrates.
    servers.push(await startServer({ env }))
    servers.push(await startServer({ env }))
    apiKey = (
      await createAppWithKey(servers[0]?.url ?? '', env.TESSERA_ADMIN_KEY, 'Acme', { limits: LIMITS_OUT_OF_THE_WAY })
    ).key
  })

  afterAll(async () => {
    for (const server of servers) await server.stop()
    servers = []
    await killAll()
    await sms?.close()
    await schema?.drop()
    cleanupTempDirs()
  })

  it('sends one SMS for 12 parallel starts with one key over both instances, and every answer is the first', async () => {
    const to = '+14155550177'
    const clients = servers.map(
      (server) => new Tessera({ baseUrl: server.url, apiKey, maxRetries: 8, initialRetryDelayMs: 100 }),
    )
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        clients[i % clients.length]?.verifications.start(
          { channel: 'sms', to },
          { idempotencyKey: 'across-instances-1' },
        ),
      ),
    )
    const ids = new Set(answers.map((answer) => answer?.verification_id))
    expect(ids.size).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(sms.requests.filter((request) => (request.json as { to?: string }).to === to)).toHaveLength(1)
  })
})
