import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { Secret, TOTP } from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CreatedApp, call, createAppWithKey, wrongCodeFor } from './helpers/api.js'
import {
  checkConsistency,
  createTestSchema,
  RoundRobin,
  redisDatabase,
  scaleOutSkipReason,
  smsCodeFor,
  type TestSchema,
} from './helpers/scale-out.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

// Three server processes on different ports, one PostgreSQL schema, one Redis
// database: every request below is spread over the three in turn, and the
// rules that never bend must hold as on one process.

const skipReason = scaleOutSkipReason()
if (skipReason) process.stderr.write(`many-instances-hold-the-rules: skipped — ${skipReason}.\n`)

/** This file's Redis logical database (others use other numbers). */
const REDIS_DB = 11
const INSTANCES = 3

describe.skipIf(skipReason !== undefined)('three instances on one PostgreSQL and one Redis', () => {
  const secrets = secretsForTest()
  let schema: TestSchema
  let redis: Redis
  let hook: WebhookReceiver
  const servers: TestServer[] = []
  let rr: RoundRobin
  let app: CreatedApp
  let phoneSeq = 1000

  beforeAll(async () => {
    schema = await createTestSchema('many')
    const db = await redisDatabase(REDIS_DB)
    redis = db.client
    await redis.flushdb()
    hook = await startWebhookReceiver()
    const env = {
      ...secrets,
      LOG_LEVEL: 'warn',
      DATABASE_URL: schema.databaseUrl,
      DATABASE_POOL_SIZE: '10',
      REDIS_URL: db.url,
      TESSERA_SMS_WEBHOOK_URL: hook.url,
      TESSERA_SMS_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    }
    // The first one migrates the fresh schema; the others then start side by side.
    servers.push(await startServer({ env }))
    servers.push(...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => startServer({ env })))))
    expect(new Set(servers.map((s) => s.url)).size).toBe(INSTANCES)
    rr = new RoundRobin(servers.map((s) => s.url))
    app = await createAppWithKey(servers[0]?.url ?? '', secrets.TESSERA_ADMIN_KEY, 'Many instances')
  }, 90_000)

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
    await killAll()
    await hook?.close()
    await redis?.flushdb()
    redis?.disconnect()
    await schema?.drop()
    cleanupTempDirs()
  }, 30_000)

  /** Starts an SMS verification on one instance; the code as the webhook received it. */
  async function startWithCode(key = app.key): Promise<{ id: string; code: string }> {
    phoneSeq++
    const started = await call(rr.pick(), 'POST', '/v1/verifications', {
      key,
      body: { channel: 'sms', to: `+1415555${phoneSeq}` },
    })
    expect(started.status, JSON.stringify(started.body)).toBe(201)
    const id: string = started.body.verification_id
    return { id, code: await smsCodeFor(hook, id) }
  }

  const verifyOn = (url: string, id: string, code: string) =>
    call(url, 'POST', '/v1/verifications/verify', {
      key: app.key,
      body: { verification_id: id, verification_code: code },
      timeoutMs: 30_000,
    })

  it('the instances are ready with both dependencies', async () => {
    for (const server of servers) {
      const ready = await call(server.url, 'GET', '/readyz')
      expect(ready.status).toBe(200)
      expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } })
    }
  })

  it('60 concurrent checks of one correct code spread over the instances yield exactly one token', async () => {
    const { id, code } = await startWithCode()
    const results = await Promise.all(Array.from({ length: 60 }, () => verifyOn(rr.pick(), id, code)))

    const winners = results.filter((r) => r.status === 200)
    expect(winners).toHaveLength(1)
    expect(winners[0]?.body.verification_token).toEqual(expect.any(String))
    for (const loser of results.filter((r) => r.status !== 200)) {
      expect(loser.status).toBe(409)
      expect(loser.body).toMatchObject({ error: 'verification_not_pending', error_code: 4009 })
      expect(loser.body.verification_token).toBeUndefined()
    }

    const view = await call(rr.pick(), 'GET', `/v1/verifications/${id}`, { key: app.key })
    expect(view.body).toMatchObject({ status: 'approved', attempts: 1 })
    const tokens = await schema.query(
      `select count(*)::int as n from ${schema.schema}.tokens where verification_id = $1`,
      [id],
    )
    expect(tokens.rows[0]?.n).toBe(1)
    // Any instance recognises the token another one issued.
    for (const url of rr.urls) {
      const introspected = await call(url, 'POST', '/v1/tokens/verify', {
        key: app.key,
        body: { verification_token: winners[0]?.body.verification_token },
      })
      expect(introspected.body).toMatchObject({ active: true, verification_id: id })
    }
  }, 60_000)

  it('150 concurrent wrong checks never count more than max_attempts; the right code is refused afterwards', async () => {
    const { id, code } = await startWithCode()
    const wrong = wrongCodeFor(code)
    const results = await Promise.all(Array.from({ length: 150 }, () => verifyOn(rr.pick(), id, wrong)))

    expect(results.filter((r) => r.status === 200)).toHaveLength(0)
    const invalid = results.filter((r) => r.body?.error_code === 4001)
    const locked = results.filter((r) => r.body?.error_code === 4006)
    expect(invalid.length + locked.length, JSON.stringify(results.map((r) => r.status))).toBe(150)
    // Tries 1–4 each say how many remain (each number once); the fifth and every later one say locked.
    expect(invalid.map((r) => r.body.attempts_remaining).sort()).toEqual([1, 2, 3, 4])
    for (const r of invalid) expect(r.status).toBe(400)
    for (const r of locked) expect(r.status).toBe(429)

    const view = await call(rr.pick(), 'GET', `/v1/verifications/${id}`, { key: app.key })
    expect(view.body).toMatchObject({ status: 'max_attempts_reached', attempts: 5, attempts_remaining: 0 })
    const row = await schema.query(
      `select status, attempts, max_attempts from ${schema.schema}.verifications where id = $1`,
      [id],
    )
    expect(row.rows[0]).toEqual({ status: 'max_attempts_reached', attempts: 5, max_attempts: 5 })

    for (const url of rr.urls) {
      const right = await verifyOn(url, id, code)
      expect(right.status).toBe(429)
      expect(right.body).toMatchObject({ error: 'max_attempts_reached', error_code: 4006 })
      expect(right.body.verification_token).toBeUndefined()
    }
  }, 60_000)

  it('30 concurrent consumes of one token over the instances: exactly one is active', async () => {
    const { id, code } = await startWithCode()
    const verified = await verifyOn(rr.pick(), id, code)
    expect(verified.status).toBe(200)
    const token: string = verified.body.verification_token

    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        call(rr.pick(), 'POST', '/v1/tokens/verify', {
          key: app.key,
          body: { verification_token: token, consume: true },
          timeoutMs: 30_000,
        }),
      ),
    )
    for (const r of results) expect(r.status).toBe(200)
    const active = results.filter((r) => r.body.active === true)
    expect(active).toHaveLength(1)
    expect(active[0]?.body).toMatchObject({ verification_id: id, channel: 'sms' })
    const inactive = results.filter((r) => r.body.active === false)
    expect(inactive).toHaveLength(29)
    for (const r of inactive) expect(r.body).toEqual({ active: false, reason: 'consumed' })
  }, 60_000)

  it('a send limit holds across instances: 6 starts to one number with max 3 → 3 sent, 3 refused', async () => {
    const limited = await createAppWithKey(rr.pick(), secrets.TESSERA_ADMIN_KEY, 'Limited', {
      limits: { sends_per_identifier: { max: 3, window_seconds: 600 } },
    })
    const to = '+14155550199'
    const sentBefore = hook.requests.length
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        call(rr.pick(), 'POST', '/v1/verifications', { key: limited.key, body: { channel: 'sms', to } }),
      ),
    )
    const sent = results.filter((r) => r.status === 201)
    const refused = results.filter((r) => r.status === 429)
    expect(sent).toHaveLength(3)
    expect(refused).toHaveLength(3)
    for (const r of refused) {
      expect(r.body).toMatchObject({ error: 'rate_limited', error_code: 4029, limit: 'sends_per_identifier' })
      expect(r.body.retry_after).toBeGreaterThan(0)
    }
    // Exactly three messages left (per-process counters would have let all six through).
    const delivered = hook.requests.slice(sentBefore).filter((r) => (r.json as { to?: string })?.to === to)
    expect(delivered).toHaveLength(3)
    // The counter lives in this file's Redis database, shared by the three.
    expect((await redis.keys('tessera:sends_per_identifier:*')).length).toBeGreaterThan(0)
    // And a seventh, on any instance, is still refused.
    for (const url of rr.urls) {
      const again = await call(url, 'POST', '/v1/verifications', { key: limited.key, body: { channel: 'sms', to } })
      expect(again.status).toBe(429)
    }
  }, 60_000)

  it('a TOTP code replayed on two instances at once is accepted once', async () => {
    const [first, second, third] = rr.urls as [string, string, string]
    const userId = `u_${randomBytes(4).toString('hex')}`
    const bound = await call(first, 'POST', `/v1/users/${userId}/factors`, { key: app.key, body: { type: 'totp' } })
    expect(bound.status, JSON.stringify(bound.body)).toBe(201)
    const totp = new TOTP({
      secret: Secret.fromBase32(bound.body.secret),
      algorithm: bound.body.algorithm,
      digits: bound.body.digits,
      period: bound.body.period,
    })
    const factorId: string = bound.body.factor_id
    const activated = await call(second, 'POST', `/v1/users/${userId}/factors/${factorId}/activate`, {
      key: app.key,
      body: { verification_code: totp.generate() },
    })
    expect(activated.status, JSON.stringify(activated.body)).toBe(200)
    expect(activated.body).toMatchObject({ status: 'active' })

    // Two challenges on two instances; the code of the next step (the current one was used to activate).
    const challenges = await Promise.all(
      [second, third].map((url) =>
        call(url, 'POST', `/v1/users/${userId}/challenges`, {
          key: app.key,
          body: { scene: '2fa', factor_id: factorId },
        }),
      ),
    )
    for (const c of challenges) expect(c.status, JSON.stringify(c.body)).toBe(201)
    const nextCode = totp.generate({ timestamp: Date.now() + totp.period * 1000 })
    const results = await Promise.all(
      challenges.map((c, i) => verifyOn(i === 0 ? third : first, c.body.verification_id, nextCode)),
    )
    const winners = results.filter((r) => r.status === 200)
    expect(winners, JSON.stringify(results.map((r) => r.body))).toHaveLength(1)
    expect(winners[0]?.body).toMatchObject({ verification_token: expect.any(String), scene: '2fa' })
    const loser = results.find((r) => r.status !== 200)
    expect(loser?.status).toBe(400)
    expect(loser?.body).toMatchObject({ error: 'invalid_verification_code', error_code: 4001 })
    expect(loser?.body.verification_token).toBeUndefined()

    // The same code on a third challenge, on yet another instance, is refused as well.
    const third_ = await call(first, 'POST', `/v1/users/${userId}/challenges`, {
      key: app.key,
      body: { scene: '2fa', factor_id: factorId },
    })
    expect(third_.status).toBe(201)
    const replay = await verifyOn(second, third_.body.verification_id, nextCode)
    expect(replay.status).toBe(400)
    expect(replay.body).toMatchObject({ error: 'invalid_verification_code' })
  }, 60_000)

  it('leaves the tables consistent', async () => {
    const report = await checkConsistency(schema)
    expect(report.violations).toEqual([])
    expect(report.approved).toBeGreaterThanOrEqual(3)
  })
})
