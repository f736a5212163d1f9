import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import pg from 'pg'
import { expect } from 'vitest'
import { type ApiResponse, call, codeFromSms } from './api.js'
import type { WebhookReceiver } from './webhook-receiver.js'

// Shared by the scale-out e2e tests: a PostgreSQL schema of their own, a Redis
// logical database or a redis-server of their own, and the small helpers that
// spread requests over several server processes.

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL

/** Why the scale-out tests cannot run here, or undefined when they can. */
export function scaleOutSkipReason(): string | undefined {
  const missing = [
    TEST_POSTGRES_URL ? undefined : 'TEST_POSTGRES_URL',
    TEST_REDIS_URL ? undefined : 'TEST_REDIS_URL',
  ].filter(Boolean)
  if (missing.length === 0) return undefined
  return `${missing.join(' and ')} not set: the multi-instance tests need PostgreSQL and Redis (CI always sets both)`
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A PostgreSQL schema for one test file, plus an admin connection to inspect and disturb it. */
export interface TestSchema {
  readonly schema: string
  /** The `application_name` every server connection of this file carries (to find their backends). */
  readonly applicationName: string
  /** DATABASE_URL for the servers: search_path set to the schema, application_name set. */
  readonly databaseUrl: string
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
  /** Terminates every backend of the servers (only this file's, by application_name); answers how many. */
  terminateServerBackends(): Promise<number>
  /** Drops the schema (cascade) and closes the admin connection. */
  drop(): Promise<void>
}

export async function createTestSchema(label: string): Promise<TestSchema> {
  const base = TEST_POSTGRES_URL
  if (!base) throw new Error('TEST_POSTGRES_URL is not set')
  const suffix = randomBytes(4).toString('hex')
  const schema = `t_${label}_${suffix}`
  const applicationName = `tessera_e2e_${label}_${suffix}`
  const admin = new pg.Client({ connectionString: base, application_name: `${applicationName}_admin` })
  await admin.connect()
  await admin.query(`create schema ${schema}`)
  const url = new URL(base)
  url.searchParams.set('options', `-c search_path=${schema}`)
  url.searchParams.set('application_name', applicationName)
  return {
    schema,
    applicationName,
    databaseUrl: url.toString(),
    query: (text, values) => admin.query(text, values),
    async terminateServerBackends() {
      const result = await admin.query<{ n: string }>(
        `select count(pg_terminate_backend(pid)) as n from pg_stat_activity
          where application_name = $1 and pid <> pg_backend_pid()`,
        [applicationName],
      )
      return Number(result.rows[0]?.n ?? 0)
    },
    async drop() {
      try {
        await admin.query(`drop schema if exists ${schema} cascade`)
      } finally {
        await admin.end()
      }
    },
  }
}

/** A client on Redis logical database `db` of TEST_REDIS_URL, and that database's URL. */
export async function redisDatabase(db: number): Promise<{ url: string; client: Redis }> {
  const base = TEST_REDIS_URL
  if (!base) throw new Error('TEST_REDIS_URL is not set')
  const url = new URL(base)
  url.pathname = `/${db}`
  const client = new Redis(url.toString(), { lazyConnect: true, maxRetriesPerRequest: 1 })
  await client.connect()
  return { url: url.toString(), client }
}

/** A TCP port nobody listens on right now (loopback). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** A redis-server child on a fixed loopback port that a test can stop and start again. */
export interface OwnRedis {
  readonly port: number
  readonly url: string
  start(): Promise<void>
  /** SIGKILL: the server vanishes as in a crash. */
  kill(): Promise<void>
}

export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const ping = async (): Promise<boolean> => {
    const probe = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    probe.on('error', () => undefined)
    try {
      await probe.connect()
      return (await probe.ping()) === 'PONG'
    } catch {
      return false
    } finally {
      probe.disconnect()
    }
  }
  const own: OwnRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        { stdio: 'ignore' },
      )
      const started = child
      const deadline = Date.now() + 10_000
      while (Date.now() < deadline) {
        if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}`)
        if (await ping()) return
        await sleep(50)
      }
      started.kill('SIGKILL')
      throw new Error(`redis-server on port ${port} did not answer within 10 s`)
    },
    async kill() {
      const running = child
      child = undefined
      if (!running || running.exitCode !== null || running.signalCode !== null) return
      const closed = new Promise((resolve) => running.once('close', resolve))
      running.kill('SIGKILL')
      await closed
    },
  }
  process.once('exit', () => child?.kill('SIGKILL'))
  await own.start()
  return own
}

/** Spreads calls over several base URLs in turn. */
export class RoundRobin {
  private next = 0
  constructor(public urls: string[]) {}
  pick(): string {
    const url = this.urls[this.next % this.urls.length] as string
    this.next++
    return url
  }
}

/** The code the SMS webhook received for one verification (any instance may have sent it). */
export async function smsCodeFor(hook: WebhookReceiver, verificationId: string, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    for (let i = hook.requests.length - 1; i >= 0; i--) {
      const message = hook.requests[i]?.json as { verification_id?: string; body?: string } | undefined
      if (message?.verification_id === verificationId && message.body) return codeFromSms(message.body)
    }
    if (Date.now() > deadline) throw new Error(`no SMS for ${verificationId} within ${timeoutMs} ms`)
    await sleep(20)
  }
}

/** Asserts the contract's 503: status, error code, number and the failing dependency. */
export function expectServiceUnavailable(response: ApiResponse, failing: 'database' | 'redis'): void {
  expect(response.status).toBe(503)
  expect(response.body).toMatchObject({
    error: 'service_unavailable',
    error_code: 5003,
    error_description: expect.any(String),
    failing,
  })
}

/** A call that answers a network failure (server gone) as status 0 instead of throwing. */
export async function tryCall(...args: Parameters<typeof call>): Promise<ApiResponse> {
  try {
    return await call(...args)
  } catch (error) {
    return { status: 0, headers: new Headers(), body: { network_error: String(error) } }
  }
}

export interface ConsistencyReport {
  readonly verifications: number
  readonly approved: number
  readonly tokens: number
  readonly violations: string[]
}

/**
 * Every invariant of the verifications and tokens tables, by query: status in
 * the allowed set; approved ⇒ approved_at set and exactly one token (except
 * factor activations, which issue none); not approved ⇒ no token; attempts ≤
 * max_attempts; sends ≤ max_sends; at most one token per verification.
 */
export async function checkConsistency(schema: TestSchema): Promise<ConsistencyReport> {
  const violations: string[] = []
  const collect = async (label: string, text: string) => {
    const rows = (await schema.query(text)).rows
    for (const row of rows.slice(0, 5)) violations.push(`${label}: ${JSON.stringify(row)}`)
    if (rows.length > 5) violations.push(`${label}: … ${rows.length - 5} more`)
  }
  const s = schema.schema
  await collect(
    'unknown status',
    `select id, status from ${s}.verifications
      where status not in ('pending', 'approved', 'expired', 'canceled', 'max_attempts_reached')`,
  )
  await collect(
    'approved without approved_at',
    `select id from ${s}.verifications where status = 'approved' and approved_at is null`,
  )
  await collect(
    'approved_at on a verification not approved',
    `select id, status from ${s}.verifications where status <> 'approved' and approved_at is not null`,
  )
  await collect(
    'attempts over max_attempts',
    `select id, attempts, max_attempts from ${s}.verifications where attempts > max_attempts`,
  )
  await collect('sends over max_sends', `select id, sends, max_sends from ${s}.verifications where sends > max_sends`)
  await collect(
    'more than one token for a verification',
    `select verification_id, count(*)::int as tokens from ${s}.tokens group by verification_id having count(*) > 1`,
  )
  await collect(
    'approved verification without exactly one token',
    `select v.id, (select count(*)::int from ${s}.tokens t where t.verification_id = v.id) as tokens
       from ${s}.verifications v
      where v.status = 'approved' and v.purpose <> 'activate'
        and (select count(*) from ${s}.tokens t where t.verification_id = v.id) <> 1`,
  )
  await collect(
    'token for a verification that is not approved',
    `select t.verification_id, v.status from ${s}.tokens t
       left join ${s}.verifications v on v.id = t.verification_id
      where v.id is null or v.status <> 'approved'`,
  )
  const totals = (
    await schema.query<{ verifications: number; approved: number; tokens: number }>(
      `select (select count(*)::int from ${s}.verifications) as verifications,
              (select count(*)::int from ${s}.verifications where status = 'approved') as approved,
              (select count(*)::int from ${s}.tokens) as tokens`,
    )
  ).rows[0] ?? { verifications: 0, approved: 0, tokens: 0 }
  return { ...totals, violations }
}
