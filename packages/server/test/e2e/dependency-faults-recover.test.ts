import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ApiResponse,
  type CreatedApp,
  call,
  createAppWithKey,
  LIMITS_OUT_OF_THE_WAY,
  wrongCodeFor,
} from './helpers/api.js'
import {
  checkConsistency,
  createTestSchema,
  expectServiceUnavailable,
  type OwnRedis,
  ownRedis,
  RoundRobin,
  scaleOutSkipReason,
  sleep,
  smsCodeFor,
  TEST_POSTGRES_URL,
  type TestSchema,
  tryCall,
} from './helpers/scale-out.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

// Faults under load, against three server processes on one PostgreSQL schema
// and a redis-server of this file's own (so it can be killed and restarted):
// PostgreSQL backends terminated, Redis gone and back, a server SIGKILLed, and
// a graceful shutdown. While a dependency is gone the service answers success
// or the contract's 503, never a 500; it recovers by itself; and the tables
// never hold an approval without its one token, or two tokens for one approval.

const skipReason = scaleOutSkipReason()
if (skipReason) process.stderr.write(`dependency-faults-recover: skipped — ${skipReason}.\n`)

/** Generous limits: the load below must be refused by faults only, never by a limit. */
const LOAD_SETTINGS = {
  channels: { sms: { resend_cooldown_seconds: 0, max_sends: 3 } },
  limits: LIMITS_OUT_OF_THE_WAY,
}

type Kind = 'start' | 'resend' | 'check-wrong' | 'check-right'

interface Outcome {
  readonly kind: Kind
  readonly url: string
  readonly verificationId?: string
  readonly status: number
  readonly body: ApiResponse['body']
}

describe.skipIf(skipReason !== undefined)('dependency faults under load, three instances', () => {
  const secrets = secretsForTest()
  let schema: TestSchema
  let redis: OwnRedis
  let hook: WebhookReceiver
  let env: Record<string, string>
  const servers: TestServer[] = []
  /** One more instance with TESSERA_REDIS_FAILURE=local (limits fall back to its memory). */
  let localServer: TestServer
  let rr: RoundRobin
  let app: CreatedApp
  let phoneSeq = 1000

  beforeAll(async () => {
    schema = await createTestSchema('faults')
    redis = await ownRedis()
    hook = await startWebhookReceiver()
    env = {
      ...secrets,
      LOG_LEVEL: 'warn',
      DATABASE_URL: schema.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: redis.url,
      TESSERA_SMS_WEBHOOK_URL: hook.url,
      TESSERA_SMS_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    }
    // The first one migrates the fresh schema; the others then start side by side.
    servers.push(await startServer({ env }))
    const [b, c, local] = await Promise.all([
      startServer({ env }),
      startServer({ env }),
      startServer({ env: { ...env, TESSERA_REDIS_FAILURE: 'local' } }),
    ])
    servers.push(b, c)
    localServer = local
    rr = new RoundRobin(servers.map((s) => s.url))
    app = await createAppWithKey(servers[0]?.url ?? '', secrets.TESSERA_ADMIN_KEY, 'Faults', LOAD_SETTINGS)
  }, 90_000)

  afterAll(async () => {
    // An instance that died by itself (a crash, not a test's SIGKILL or SIGTERM) says why.
    for (const s of [...servers, localServer]) {
      if (s && s.child.exitCode !== null && s.child.exitCode !== 0) {
        process.stderr.write(
          `instance ${s.url} exited with ${s.child.exitCode}:\n${s.allLines().slice(-40).join('\n')}\n`,
        )
      }
    }
    await Promise.all([...servers, localServer].map((s) => s?.stop()))
    await killAll()
    await hook?.close()
    await redis?.kill()
    await schema?.drop()
    cleanupTempDirs()
  }, 30_000)

  const nextPhone = () => `+1415555${++phoneSeq}`

  async function record(outcomes: Outcome[], kind: Kind, url: string, path: string, body: unknown, id?: string) {
    const response = await tryCall(url, 'POST', path, { key: app.key, body, timeoutMs: 10_000 })
    outcomes.push({ kind, url, status: response.status, body: response.body, ...(id ? { verificationId: id } : {}) })
    return response
  }

  /**
   * One round of a client: start on one instance, sometimes a resend and a wrong
   * code on others, then the right code on yet another. Every answer is recorded.
   */
  async function clientRound(outcomes: Outcome[], round: number): Promise<void> {
    const started = await record(outcomes, 'start', rr.pick(), '/v1/verifications', { channel: 'sms', to: nextPhone() })
    if (started.status !== 201) return
    const id: string = started.body.verification_id
    if (round % 3 === 1) {
      const resent = await record(outcomes, 'resend', rr.pick(), `/v1/verifications/${id}/resend`, {}, id)
      if (resent.status >= 500 || resent.status === 0) return
    }
    const code = await smsCodeFor(hook, id)
    if (round % 2 === 0) {
      const wrong = { verification_id: id, verification_code: wrongCodeFor(code) }
      await record(outcomes, 'check-wrong', rr.pick(), '/v1/verifications/verify', wrong, id)
    }
    const right = { verification_id: id, verification_code: code }
    await record(outcomes, 'check-right', rr.pick(), '/v1/verifications/verify', right, id)
  }

  /** `workers` clients in parallel, each for at most `rounds` rounds and until `until()` says stop. */
  async function runLoad(workers: number, rounds: number, until: () => boolean): Promise<Outcome[]> {
    const outcomes: Outcome[] = []
    let round = 0
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let i = 0; i < rounds && !until(); i++) await clientRound(outcomes, round++)
      }),
    )
    return outcomes
  }

  /** The statuses each kind of request may answer, fault or not; everything else is a failure. */
  const ALLOWED: Record<Kind, readonly number[]> = {
    start: [201, 503],
    resend: [200, 429, 503],
    'check-wrong': [400, 503],
    // A resend cut short by a fault may have replaced the code the client holds.
    'check-right': [200, 400, 503],
  }

  function expectOnlyAllowedAnswers(outcomes: readonly Outcome[], failing: 'database' | 'redis', killedUrl?: string) {
    const unexpected = outcomes.filter((o) => {
      if (o.status === 0) return o.url !== killedUrl
      return !ALLOWED[o.kind].includes(o.status)
    })
    expect(unexpected, JSON.stringify(unexpected.slice(0, 5))).toEqual([])
    for (const o of outcomes.filter((x) => x.status === 503)) {
      expect(o.body, JSON.stringify(o.body)).toMatchObject({
        error: 'service_unavailable',
        error_code: 5003,
        error_description: expect.any(String),
        failing,
      })
    }
    for (const o of outcomes.filter((x) => x.status === 429)) expect(o.body.error).toBe('max_sends_reached')
    for (const o of outcomes.filter((x) => x.status === 400)) expect(o.body.error).toBe('invalid_verification_code')
    expect(outcomes.some((o) => o.status >= 500 && o.status !== 503)).toBe(false)
  }

  /** Every approval a client saw is in the table, with exactly one token; no verification approved twice. */
  async function expectApprovalsKept(outcomes: readonly Outcome[]) {
    const approvedIds = outcomes
      .filter((o) => o.kind === 'check-right' && o.status === 200)
      .map((o) => o.verificationId)
    expect(new Set(approvedIds).size).toBe(approvedIds.length)
    if (approvedIds.length === 0) return
    const rows = await schema.query<{ id: string; status: string; tokens: number }>(
      `select v.id, v.status, (select count(*)::int from ${schema.schema}.tokens t where t.verification_id = v.id) as tokens
         from ${schema.schema}.verifications v where v.id = any($1)`,
      [approvedIds],
    )
    expect(rows.rows).toHaveLength(approvedIds.length)
    for (const row of rows.rows) expect(row).toMatchObject({ status: 'approved', tokens: 1 })
  }

  /** Polls until a whole client round succeeds on every listed instance; answers the milliseconds it took. */
  async function timeToRecovery(urls: readonly string[], withinMs: number): Promise<number> {
    const started = Date.now()
    let last = ''
    while (Date.now() - started < withinMs) {
      let allOk = true
      for (const url of urls) {
        const s = await tryCall(url, 'POST', '/v1/verifications', {
          key: app.key,
          body: { channel: 'sms', to: nextPhone() },
          timeoutMs: 5000,
        })
        if (s.status !== 201) {
          allOk = false
          last = `${url} start: ${s.status} ${JSON.stringify(s.body)}`
          break
        }
        const code = await smsCodeFor(hook, s.body.verification_id)
        const v = await tryCall(url, 'POST', '/v1/verifications/verify', {
          key: app.key,
          body: { verification_id: s.body.verification_id, verification_code: code },
          timeoutMs: 5000,
        })
        if (v.status !== 200) {
          allOk = false
          last = `${url} verify: ${v.status} ${JSON.stringify(v.body)}`
          break
        }
      }
      if (allOk) return Date.now() - started
      await sleep(200)
    }
    throw new Error(`no recovery within ${withinMs} ms; last failure: ${last}`)
  }

  it('PostgreSQL backends terminated mid-load: success or 503, recovery by itself, no approval lost or doubled', async () => {
    const loadEnds = Date.now() + 4000
    let terminated = 0
    const terminator = (async () => {
      await sleep(500)
      for (let i = 0; i < 5; i++) {
        terminated += await schema.terminateServerBackends()
        await sleep(350)
      }
    })()
    const outcomes = await runLoad(6, 40, () => Date.now() > loadEnds)
    await terminator

    expect(terminated).toBeGreaterThan(0)
    expect(outcomes.length).toBeGreaterThan(20)
    expectOnlyAllowedAnswers(outcomes, 'database')
    expect(outcomes.filter((o) => o.status === 503).length).toBeGreaterThan(0)
    expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(0)
    await expectApprovalsKept(outcomes)

    expect(await timeToRecovery(rr.urls, 8000)).toBeLessThan(8000)
    for (const url of rr.urls) expect((await call(url, 'GET', '/readyz')).status).toBe(200)
    const report = await checkConsistency(schema)
    expect(report.violations).toEqual([])
  }, 60_000)

  it('a backend terminated between approval and token issue loses no approval', async () => {
    const [first, second] = rr.urls as [string, string]
    const started = await call(first, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'sms', to: nextPhone() },
    })
    expect(started.status).toBe(201)
    const id: string = started.body.verification_id
    const code = await smsCodeFor(hook, id)

    // Hold the tokens table so the check stops right after its approval, terminate it there.
    const locker = new pg.Client({
      connectionString: TEST_POSTGRES_URL,
      application_name: `${schema.applicationName}_lock`,
    })
    await locker.connect()
    try {
      await locker.query('begin')
      await locker.query(`lock table ${schema.schema}.tokens in access exclusive mode`)
      const checking = tryCall(second, 'POST', '/v1/verifications/verify', {
        key: app.key,
        body: { verification_id: id, verification_code: code },
        timeoutMs: 15_000,
      })
      const deadline = Date.now() + 10_000
      for (;;) {
        const waiting = await schema.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`,
          [schema.applicationName],
        )
        if ((waiting.rows[0]?.n ?? 0) > 0) break
        if (Date.now() > deadline) throw new Error('the check never waited on the tokens table')
        await sleep(25)
      }
      expect(await schema.terminateServerBackends()).toBeGreaterThan(0)
      await locker.query('rollback')
      expectServiceUnavailable(await checking, 'database')
    } finally {
      await locker.end()
    }

    // The client saw a 503: the approval must not have happened without its token.
    const row = await schema.query(
      `select v.status, (select count(*)::int from ${schema.schema}.tokens t where t.verification_id = v.id) as tokens
         from ${schema.schema}.verifications v where v.id = $1`,
      [id],
    )
    expect(row.rows[0]).toEqual({ status: 'pending', tokens: 0 })
    // And the same code, retried once the database is back, still approves (exactly once).
    await timeToRecovery([second], 8000)
    const retried = await call(first, 'POST', '/v1/verifications/verify', {
      key: app.key,
      body: { verification_id: id, verification_code: code },
    })
    expect(retried.status, JSON.stringify(retried.body)).toBe(200)
    expect((await checkConsistency(schema)).violations).toEqual([])
  }, 60_000)

  it('Redis killed mid-load: 503 naming redis (and /readyz), recovery after restart without restarting Tessera', async () => {
    const loadEnds = Date.now() + 3500
    let killed = false
    const fault = (async () => {
      await sleep(500)
      await redis.kill()
      killed = true
    })()
    const whileDown: ApiResponse[] = []
    const readyWhileDown: ApiResponse[] = []
    const outcomes = await Promise.all([
      runLoad(4, 40, () => Date.now() > loadEnds),
      (async () => {
        await fault
        for (const url of rr.urls) {
          whileDown.push(
            await call(url, 'POST', '/v1/verifications', { key: app.key, body: { channel: 'sms', to: nextPhone() } }),
          )
          readyWhileDown.push(await call(url, 'GET', '/readyz'))
        }
      })(),
    ]).then(([load]) => load)
    expect(killed).toBe(true)

    expectOnlyAllowedAnswers(outcomes, 'redis')
    expect(outcomes.filter((o) => o.status === 503).length).toBeGreaterThan(0)
    for (const response of whileDown) expectServiceUnavailable(response, 'redis')
    for (const response of readyWhileDown) expectServiceUnavailable(response, 'redis')
    // Still down: nothing gets past a limit that cannot be counted.
    for (const url of rr.urls) {
      expectServiceUnavailable(
        await call(url, 'POST', '/v1/verifications', { key: app.key, body: { channel: 'sms', to: nextPhone() } }),
        'redis',
      )
    }

    await redis.start()
    expect(await timeToRecovery(rr.urls, 10_000)).toBeLessThan(10_000)
    for (const url of rr.urls) {
      const ready = await call(url, 'GET', '/readyz')
      expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } })
    }
    await expectApprovalsKept(outcomes)
    expect((await checkConsistency(schema)).violations).toEqual([])
  }, 60_000)

  it('TESSERA_REDIS_FAILURE=local: while Redis is down, sends still succeed on that instance', async () => {
    await redis.kill()
    try {
      const started = await call(localServer.url, 'POST', '/v1/verifications', {
        key: app.key,
        body: { channel: 'sms', to: nextPhone() },
      })
      expect(started.status, JSON.stringify(started.body)).toBe(201)
      const code = await smsCodeFor(hook, started.body.verification_id)
      const verified = await call(localServer.url, 'POST', '/v1/verifications/verify', {
        key: app.key,
        body: { verification_id: started.body.verification_id, verification_code: code },
      })
      expect(verified.status, JSON.stringify(verified.body)).toBe(200)
      // The instances on the default (reject) answer 503 meanwhile.
      expectServiceUnavailable(
        await call(rr.pick(), 'POST', '/v1/verifications', { key: app.key, body: { channel: 'sms', to: nextPhone() } }),
        'redis',
      )
    } finally {
      await redis.start()
    }
    expect(await timeToRecovery([...rr.urls, localServer.url], 10_000)).toBeLessThan(10_000)
  }, 60_000)

  it('a server SIGKILLed under load and restarted leaves every verification consistent', async () => {
    const victim = servers[2] as TestServer
    const loadEnds = Date.now() + 2500
    let killedUrl: string | undefined
    const fault = (async () => {
      await sleep(700)
      killedUrl = victim.url
      victim.child.kill('SIGKILL')
      await victim.exited
      expect(victim.child.signalCode).toBe('SIGKILL')
      // The load balancer takes it out of the rotation; the survivors carry on.
      rr.urls = rr.urls.filter((url) => url !== victim.url)
    })()
    const outcomes = await runLoad(6, 40, () => Date.now() > loadEnds)
    await fault

    // Restarted (a new process on the same database and Redis), it takes its share of the load again.
    const restarted = await startServer({ env })
    servers[2] = restarted
    rr.urls = [...rr.urls, restarted.url]
    const afterEnds = Date.now() + 1200
    const after = await runLoad(3, 20, () => Date.now() > afterEnds)
    outcomes.push(...after)

    expectOnlyAllowedAnswers(outcomes, 'database', killedUrl)
    expect(after.filter((o) => o.url === restarted.url && o.status === 200).length).toBeGreaterThan(0)
    expect(after.filter((o) => o.status !== 200 && o.status !== 201 && o.kind !== 'check-wrong')).toEqual([])
    await expectApprovalsKept(outcomes)

    const report = await checkConsistency(schema)
    expect(report.violations).toEqual([])
    expect(report.approved).toBeGreaterThan(0)
    // A check cut off by the kill either approved (then its one token is there) or left the
    // verification pending: the same code, retried on a survivor, then approves it.
    const cutOff = outcomes.filter((o) => o.kind === 'check-right' && o.status === 0)
    for (const o of cutOff) {
      const code = await smsCodeFor(hook, o.verificationId ?? '')
      const retried = await call(rr.pick(), 'POST', '/v1/verifications/verify', {
        key: app.key,
        body: { verification_id: o.verificationId, verification_code: code },
      })
      expect([200, 409]).toContain(retried.status)
    }
    expect((await checkConsistency(schema)).violations).toEqual([])
  }, 60_000)

  it('graceful shutdown: SIGTERM during a slow request still answers it 201, then exits 0', async () => {
    hook.delayMs = 1000
    try {
      const before = hook.requests.length
      const inFlight = call(localServer.url, 'POST', '/v1/verifications', {
        key: app.key,
        body: { channel: 'sms', to: nextPhone() },
        timeoutMs: 15_000,
      })
      // The request is now waiting on the (slow) SMS provider.
      const deadline = Date.now() + 10_000
      while (hook.requests.length === before) {
        if (Date.now() > deadline) throw new Error('the send never reached the webhook')
        await sleep(10)
      }
      const signalledAt = Date.now()
      const exitCode = localServer.stop('SIGTERM', 15_000)
      const response = await inFlight
      expect(response.status, JSON.stringify(response.body)).toBe(201)
      expect(response.body).toMatchObject({ status: 'pending', verification_id: expect.any(String) })
      expect(await exitCode).toBe(0)
      // It waited for the request rather than cutting it off, and not much longer.
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(500)
      expect(localServer.allLines().join('\n')).not.toMatch(/shutdown took longer/)
    } finally {
      hook.delayMs = 0
    }
  }, 30_000)
})
