import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, describe, expect, it } from 'vitest'
import { type CreatedApp, call, createAppWithKey, LIMITS_OUT_OF_THE_WAY } from './helpers/api.js'
import {
  createTestSchema,
  RoundRobin,
  redisDatabase,
  scaleOutSkipReason,
  sleep,
  type TestSchema,
} from './helpers/scale-out.js'
import {
  cleanupTempDirs,
  freshDataDir,
  killAll,
  secretsForTest,
  startServer,
  type TestServer,
} from './helpers/start-server.js'
import { type ReceivedRequest, startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

// Signed event webhooks (docs/events.md) through the faults issue #16 names: a process killed between the
// commit of an event and its delivery, and three instances sharing one PostgreSQL outbox.

const receivers: WebhookReceiver[] = []
afterAll(async () => {
  await killAll()
  for (const receiver of receivers) await receiver.close()
  cleanupTempDirs()
}, 30_000)

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver()
  receivers.push(started)
  return started
}

/** The body, after standardwebhooks (an independent implementation) checked its signature and timestamp. */
function verified(secret: string, request: ReceivedRequest): { type: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(request.rawBody, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as { type: string; data: Record<string, unknown> }
}

async function addEndpoint(url: string, adminKey: string, appId: string, target: string, events: string[]) {
  const created = await call(url, 'POST', `/admin/v1/apps/${appId}/webhooks`, {
    key: adminKey,
    body: { url: target, events },
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body.secret as string
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

describe('an event whose process is killed between its commit and its delivery', () => {
  it('is delivered after a restart, with the same webhook-id and a valid signature', async () => {
    const secrets = secretsForTest()
    const sms = await receiver()
    const hooks = await receiver()
    const env = {
      ...secrets,
      TESSERA_SMS_WEBHOOK_URL: sms.url,
      TESSERA_SMS_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    }
    const dataDir = freshDataDir()
    let server: TestServer = await startServer({ env: { ...env, TESSERA_DATA_DIR: dataDir } })
    const app: CreatedApp = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Killed')
    const secret = await addEndpoint(server.url, secrets.TESSERA_ADMIN_KEY, app.appId, hooks.url, [
      'verification.started',
    ])

    // The endpoint holds its answer: the first post is in flight, unanswered, when the process dies.
    hooks.delayMs = 120_000
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'sms', to: '+14155550101' },
    })
    expect(started.status).toBe(201)
    const inFlight = await hooks.nextRequest(10_000)
    await server.stop('SIGKILL')
    hooks.delayMs = 0

    server = await startServer({ env: { ...env, TESSERA_DATA_DIR: dataDir } })
    // The lost try's lease (15 s) runs out, and the restarted process sends it again.
    const again = await hooks.nextRequest(40_000)
    expect(again.headers['webhook-id']).toBe(inFlight.headers['webhook-id'])
    expect(again.rawBody).toBe(inFlight.rawBody)
    const body = verified(secret, again)
    expect(body).toMatchObject({
      type: 'verification.started',
      data: { verification_id: started.body.verification_id, channel: 'sms', to: '+14*******01' },
    })

    // The try is recorded once the endpoint has answered: look until it is listed.
    const listed = async () =>
      (
        await call(server.url, 'GET', `/admin/v1/apps/${app.appId}/events?type=verification.started`, {
          key: secrets.TESSERA_ADMIN_KEY,
        })
      ).body.events as Array<{ event_id: string; attempts: Array<{ succeeded: boolean }> }>
    let events = await listed()
    for (let i = 0; i < 40 && !events[0]?.attempts.some((a) => a.succeeded); i++) {
      await sleep(50)
      events = await listed()
    }
    expect(events).toHaveLength(1)
    expect(events[0]?.event_id).toBe(again.headers['webhook-id'])
    expect(events[0]?.attempts.some((a) => a.succeeded)).toBe(true)
    await server.stop()
  }, 90_000)
})

const skipReason = scaleOutSkipReason()
if (skipReason) process.stderr.write(`webhooks-survive-faults (3 instances): skipped — ${skipReason}.\n`)

/** This file's Redis logical database. */
const REDIS_DB = 10

describe.skipIf(skipReason !== undefined)('three instances sharing one PostgreSQL outbox', () => {
  let schema: TestSchema | undefined
  afterAll(async () => {
    await schema?.drop()
  })

  it('post each event once per try, not once per instance, and retry a failed try once', async () => {
    const secrets = secretsForTest()
    schema = await createTestSchema('webhooks')
    const db = await redisDatabase(REDIS_DB)
    await db.client.flushdb()
    db.client.disconnect()
    const sms = await receiver()
    const hooks = await receiver()
    const env = {
      ...secrets,
      LOG_LEVEL: 'warn',
      DATABASE_URL: schema.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: db.url,
      TESSERA_SMS_WEBHOOK_URL: sms.url,
      TESSERA_SMS_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    }
    const servers = [await startServer({ env })]
    servers.push(...(await Promise.all([startServer({ env }), startServer({ env })])))
    const rr = new RoundRobin(servers.map((s) => s.url))
    const app = await createAppWithKey(rr.pick(), secrets.TESSERA_ADMIN_KEY, 'Scale-out', {
      limits: LIMITS_OUT_OF_THE_WAY,
    })
    const secret = await addEndpoint(rr.pick(), secrets.TESSERA_ADMIN_KEY, app.appId, hooks.url, [
      'verification.started',
      'verification.canceled',
    ])
    // Every message's first try fails; its second (about 5 s later) succeeds.
    const seen = new Set<string>()
    hooks.statusFor = (request) => {
      const id = String(request.headers['webhook-id'])
      if (seen.has(id)) return 204
      seen.add(id)
      return 503
    }

    const COUNT = 24
    const started = await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        call(rr.pick(), 'POST', '/v1/verifications', {
          key: app.key,
          body: { channel: 'sms', to: `+1415555${2000 + i}` },
        }),
      ),
    )
    for (const res of started) expect(res.status, JSON.stringify(res.body)).toBe(201)
    const ids = started.map((res) => res.body.verification_id as string)
    await Promise.all(
      ids
        .slice(0, 6)
        .map((id) => call(rr.pick(), 'POST', `/v1/verifications/${id}/cancel`, { key: app.key, body: {} })),
    )
    const EVENTS = COUNT + 6

    // Each event: one failed try and one retry, whichever instances made them, and no more.
    await until(() => hooks.requests.length >= 2 * EVENTS, 40_000, `${2 * EVENTS} webhook requests`)
    await sleep(2_500)
    const perId = new Map<string, number>()
    for (const request of hooks.requests) {
      verified(secret, request)
      const id = String(request.headers['webhook-id'])
      perId.set(id, (perId.get(id) ?? 0) + 1)
    }
    expect(perId.size).toBe(EVENTS)
    expect([...perId.values()].every((n) => n === 2)).toBe(true)
    const byType = new Map<string, number>()
    for (const request of hooks.requests) {
      const type = (JSON.parse(request.rawBody) as { type: string }).type
      byType.set(type, (byType.get(type) ?? 0) + 1)
    }
    expect(Object.fromEntries(byType)).toEqual({ 'verification.started': 2 * COUNT, 'verification.canceled': 12 })

    const events = await call(rr.pick(), 'GET', `/admin/v1/apps/${app.appId}/events?type=verification.canceled`, {
      key: secrets.TESSERA_ADMIN_KEY,
    })
    for (const event of events.body.events) {
      expect(event.attempts.map((a: { status: number }) => a.status)).toEqual([503, 204])
    }
    await Promise.all(servers.map((s) => s.stop()))
  }, 120_000)
})
