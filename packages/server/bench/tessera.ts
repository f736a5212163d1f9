// Tessera's side of the bench: start the server with the `null` delivery
// provider, create an app that allows custom codes, prepare what each
// scenario needs (outside the timed runs), then run each scenario.

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { type CpuShare, startCpuShare } from './cpu-share.js'
import { describe, field, getJson, type JsonResponse, mapConcurrent, patchJson, postJson } from './http-client.js'
import { bodySlack, type LoadResult, runLoadOn } from './load.js'
import type { BenchOptions, ScenarioName } from './options.js'
import { createBenchDatabase, dropBenchDatabase } from './postgres.js'
import {
  type LoopDelay,
  type RunningServer,
  readLoopDelay,
  serviceNodeFlags,
  startServer,
  TESSERA_BIN,
} from './processes.js'
import { stepAt, type TotpParams, totpAt, totpParams } from './totp.js'

export const CUSTOM_CODE = '123456'
const WRONG_CODE = '000000'
const PREP_CONCURRENCY = 64

export interface ScenarioOutcome {
  readonly name: string
  readonly result?: LoadResult
  readonly cpu?: CpuShare
  /** On PostgreSQL: the server's queries (round trips) and transactions per request, every instance together. */
  readonly perRequest?: { readonly queries: number; readonly transactions: number }
  /** Why the scenario did not run. */
  readonly skipped?: string
}

export interface TesseraSecrets {
  readonly secret: string
  readonly adminKey: string
}

export function newSecrets(): TesseraSecrets {
  return { secret: randomBytes(32).toString('base64url'), adminKey: randomBytes(24).toString('base64url') }
}

/** The server's environment: the parent's, less anything that configures Tessera, plus the bench settings. */
export function tesseraEnv(
  dataDir: string,
  secrets: TesseraSecrets,
  databaseUrl?: string,
  redisUrl?: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('TESSERA_') || ['DATABASE_URL', 'REDIS_URL', 'PORT', 'HOST', 'NODE_ENV'].includes(key)) continue
    env[key] = value
  }
  return {
    ...env,
    NODE_ENV: 'bench',
    TESSERA_DELIVERY: 'null',
    TESSERA_DATA_DIR: dataDir,
    TESSERA_SECRET: secrets.secret,
    TESSERA_ADMIN_KEY: secrets.adminKey,
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, TESSERA_BENCH_COUNT_QUERIES: '1' } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  }
}

/**
 * `--db postgres` with TEST_REDIS_URL: the servers count their limits in this database of that Redis server,
 * emptied before they start and after they stop. Runs then neither count against one another's buckets nor
 * leave their windows' keys behind (1.27 million keys, 259 MB, had built up in database 0 over a day of
 * benches): what the fresh PostgreSQL database of each run is to its rows. The tests use database 0.
 */
export const BENCH_REDIS_DATABASE = 15

/** TEST_REDIS_URL's server and credentials, the bench's own database. */
export function benchRedisUrl(url: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${BENCH_REDIS_DATABASE}`
  return parsed.href
}

async function emptyBenchRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 })
  try {
    await redis.connect()
    await redis.flushdb()
  } finally {
    redis.disconnect()
  }
}

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tessera-bench-data-'))
}

export interface TesseraServer extends RunningServer {
  /** Every server started (the first is this one): `--instances N` on one PostgreSQL database. */
  readonly instances: readonly RunningServer[]
  /** The PostgreSQL database they share, if any. */
  readonly database: string | undefined
  /** Stops the servers, then removes their data folders and drops their PostgreSQL database (if any). */
  dispose(): Promise<number | null>
}

/**
 * Starts Tessera on a fresh data folder (and, with --db postgres, a fresh database), `options.instances`
 * times on the same database (each with its own data folder and the same secret).
 */
export async function startTessera(
  options: BenchOptions,
  secrets: TesseraSecrets,
  nodeFlags: readonly string[] = [],
): Promise<TesseraServer> {
  const postgres = options.db === 'postgres' ? await createBenchDatabase() : undefined
  const testRedisUrl = options.db === 'postgres' ? process.env.TEST_REDIS_URL : undefined
  const redisUrl = testRedisUrl === undefined ? undefined : benchRedisUrl(testRedisUrl)
  const dataDirs: string[] = []
  const servers: RunningServer[] = []
  const cleanUp = async () => {
    for (const server of servers) await server.stop()
    if (postgres) await dropBenchDatabase(postgres.database)
    // Keys a Redis that went away still holds are not worth failing the run for.
    if (redisUrl) await emptyBenchRedis(redisUrl).catch(() => undefined)
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true })
  }
  try {
    if (redisUrl) await emptyBenchRedis(redisUrl)
    // One after the other: the first runs the migrations, the others find them done.
    for (let i = 0; i < options.instances; i++) {
      const dataDir = newDataDir()
      dataDirs.push(dataDir)
      const logPath = options.serverLog === undefined || i === 0 ? options.serverLog : `${options.serverLog}.${i + 1}`
      servers.push(
        await startServer(
          `Tessera${options.instances > 1 ? ` #${i + 1}` : ''}`,
          [...serviceNodeFlags(), ...nodeFlags, ...options.serverFlags, TESSERA_BIN, 'serve'],
          {
            ...tesseraEnv(dataDir, secrets, postgres?.url, redisUrl),
            // A profile of the one-file build names bundle lines; through tsx it names the source files.
            ...(nodeFlags.includes('--cpu-prof') ? { TESSERA_RUN_SOURCES: '1' } : {}),
          },
          { logPath },
        ),
      )
    }
  } catch (error) {
    await cleanUp()
    throw error
  }
  const first = servers[0] as RunningServer
  return {
    ...first,
    instances: servers,
    database: postgres?.database,
    async dispose() {
      const codes: (number | null)[] = []
      for (const server of servers) codes.push(await server.stop())
      servers.length = 0
      await cleanUp()
      return codes.find((code) => code !== 0) ?? 0
    },
  }
}

export interface BenchApp {
  readonly appId: string
  readonly headers: Readonly<Record<string, string>>
  readonly adminHeaders: Readonly<Record<string, string>>
}

export async function createBenchApp(url: string, adminKey: string): Promise<BenchApp> {
  const admin = { authorization: `Bearer ${adminKey}` }
  const created = await postJson(
    url,
    '/admin/v1/apps',
    {
      name: 'bench',
      // Long lifetimes so that what is prepared before a timed run is still valid in it, however slow the machine.
      settings: {
        allow_custom_code: true,
        token_ttl_seconds: 3600,
        channels: { email: { max_sends: 20, resend_cooldown_seconds: 0, ttl_seconds: 3600 } },
      },
    },
    admin,
  )
  if (created.status !== 201 && created.status !== 200) throw new Error(`creating the app: ${describe(created)}`)
  const appId = field(created, 'app_id', 'creating the app')
  // Settings of later versions, where present: abuse limits (issue 5) at their highest (the bench is one
  // key at thousands of requests a second; the limiter still runs), and challenges (issue 4) long-lived.
  const settings = (created.body as { settings?: Record<string, unknown> }).settings ?? {}
  const patch: Record<string, unknown> = {}
  if (settings.limits && typeof settings.limits === 'object') {
    patch.limits = Object.fromEntries(Object.keys(settings.limits).map((name) => [name, { max: 10_000_000 }]))
  }
  if (settings.challenge && typeof settings.challenge === 'object') patch.challenge = { ttl_seconds: 3600 }
  if (Object.keys(patch).length > 0) {
    const patched = await patchJson(url, `/admin/v1/apps/${appId}`, { settings: patch }, admin)
    if (patched.status !== 200) throw new Error(`adjusting the app's settings: ${describe(patched)}`)
  }
  const keyAnswer = await postJson(url, `/admin/v1/apps/${appId}/keys`, { name: 'bench' }, admin)
  if (keyAnswer.status !== 201 && keyAnswer.status !== 200) throw new Error(`creating a key: ${describe(keyAnswer)}`)
  const key = field(keyAnswer, 'key', 'creating a key')
  return { appId, headers: { authorization: `Bearer ${key}` }, adminHeaders: admin }
}

/** Hands out prepared bodies in order; counts calls past the end (then the body is invalid and the run fails). */
class BodySource {
  private next = 0
  overrun = 0
  constructor(private readonly make: (k: number) => string | undefined) {}
  take = (): string => {
    const body = this.make(this.next++)
    if (body !== undefined) return body
    this.overrun++
    return '{"bench":"ran out of prepared bodies"}'
  }
}

export interface Context {
  readonly options: BenchOptions
  readonly server: RunningServer
  /** Every instance's URL: timed runs spread their load over them (preparation uses `server`). */
  readonly urls: readonly string[]
  readonly app: BenchApp
  readonly tag: string
  readonly log: (line: string) => void
  /** Every instance (their probes are read for the PostgreSQL counts). */
  readonly instances: readonly RunningServer[]
}

/** Warm-up then the timed run, both drawing from one source of bodies. */
async function warmAndRun(
  ctx: Context,
  name: string,
  path: string,
  expectStatus: number,
  source: BodySource,
): Promise<ScenarioOutcome> {
  const { options } = ctx
  const base = {
    url: ctx.server.url,
    path,
    headers: ctx.app.headers,
    body: source.take,
    connections: options.connections,
    expectStatus,
  }
  const warm = await runLoadOn(ctx.urls, { ...base, title: `${name} (warm-up)`, count: options.warmup })
  if (warm.errors > 0 || source.overrun > 0) {
    ctx.log(`  ${name} warm-up: ${warm.errors} errors, statuses ${JSON.stringify(warm.statuses)}`)
  }
  const measure = startCpuShare(ctx.server.pid)
  await startCounting(ctx)
  const result = await runLoadOn(ctx.urls, { ...base, title: name, count: options.requests })
  const cpu = measure()
  const perRequest = await perRequestCounts(ctx, result.count)
  if (process.env.BENCH_DEBUG)
    ctx.log(
      `  bodies built: warm-up ${warm.bodiesUsed}/${options.warmup}, timed ${result.bodiesUsed}/${options.requests}`,
    )
  return { name, result: { ...result, errors: result.errors + source.overrun }, cpu, perRequest }
}

/** Starts every instance's probe window (the probe counts PostgreSQL queries and transactions). */
async function startCounting(ctx: Context): Promise<void> {
  if (ctx.options.db !== 'postgres') return
  await Promise.all(ctx.instances.map((server) => readLoopDelay(server)))
}

/** Queries and transactions per answered request over the window startCounting started, all instances. */
async function perRequestCounts(
  ctx: Context,
  answered: number,
): Promise<{ queries: number; transactions: number } | undefined> {
  if (ctx.options.db !== 'postgres' || answered === 0) return undefined
  const windows = await Promise.all(ctx.instances.map((server) => readLoopDelay(server)))
  if (windows.some((w) => w === undefined)) return undefined
  const sum = (pick: (w: LoopDelay) => number) => windows.reduce((n, w) => n + (w ? pick(w) : 0), 0)
  return { queries: sum((w) => w.queries) / answered, transactions: sum((w) => w.transactions) / answered }
}

function needed(options: BenchOptions): number {
  return options.warmup + options.requests + 2 * bodySlack(options.connections)
}

export async function timedPrep<T>(ctx: Context, what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now()
  const value = await fn()
  ctx.log(`  prepared ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s (not timed)`)
  return value
}

function expectOk(response: JsonResponse, statuses: readonly number[], what: string): JsonResponse {
  if (!statuses.includes(response.status)) throw new Error(`${what}: ${describe(response)}`)
  return response
}

export async function startVerifications(ctx: Context, count: number, label: string): Promise<string[]> {
  return mapConcurrent(Array.from({ length: count }), PREP_CONCURRENCY, async (_, i) => {
    const answer = await postJson(
      ctx.server.url,
      '/v1/verifications',
      { channel: 'email', to: `${label}-${ctx.tag}-${i}@bench.example`, custom_code: CUSTOM_CODE },
      ctx.app.headers,
    )
    return field(expectOk(answer, [201], 'preparing a verification'), 'verification_id', 'preparing a verification')
  })
}

/** Verification tokens, each from a verification of its own checked with the right code. */
export async function issueTokens(ctx: Context, count: number): Promise<string[]> {
  const ids = await startVerifications(ctx, count, 'token')
  return mapConcurrent(ids, PREP_CONCURRENCY, async (id) => {
    const answer = await postJson(
      ctx.server.url,
      '/v1/verifications/verify',
      { verification_id: id, verification_code: CUSTOM_CODE },
      ctx.app.headers,
    )
    return field(expectOk(answer, [200], 'preparing a token'), 'verification_token', 'preparing a token')
  })
}

async function scenarioStart(ctx: Context): Promise<ScenarioOutcome> {
  const source = new BodySource((k) =>
    JSON.stringify({ channel: 'email', to: `start-${ctx.tag}-${k}@bench.example`, custom_code: CUSTOM_CODE }),
  )
  return warmAndRun(ctx, 'start', '/v1/verifications', 201, source)
}

async function scenarioVerify(ctx: Context, name: 'verify-ok' | 'verify-bad'): Promise<ScenarioOutcome> {
  const ids = await timedPrep(ctx, `${needed(ctx.options)} verifications for ${name}`, () =>
    startVerifications(ctx, needed(ctx.options), name),
  )
  const code = name === 'verify-ok' ? CUSTOM_CODE : WRONG_CODE
  const source = new BodySource((k) => {
    const id = ids[k]
    return id === undefined ? undefined : JSON.stringify({ verification_id: id, verification_code: code })
  })
  return warmAndRun(ctx, name, '/v1/verifications/verify', name === 'verify-ok' ? 200 : 400, source)
}

async function scenarioTokenVerify(ctx: Context): Promise<ScenarioOutcome> {
  const tokens = await timedPrep(ctx, `${needed(ctx.options)} verification tokens for token-verify`, async () => {
    return issueTokens(ctx, needed(ctx.options))
  })
  const source = new BodySource((k) => {
    const token = tokens[k]
    return token === undefined ? undefined : JSON.stringify({ verification_token: token })
  })
  const outcome = await warmAndRun(ctx, 'token-verify', '/v1/tokens/verify', 200, source)
  // 200 is not enough: the tokens must also be recognised as active.
  for (const token of [...tokens.slice(0, 2), ...tokens.slice(-1)]) {
    const answer = await postJson(ctx.server.url, '/v1/tokens/verify', { verification_token: token }, ctx.app.headers)
    const body = answer.body as { active?: unknown } | undefined
    if (answer.status !== 200 || body?.active !== true) {
      throw new Error(`token-verify: a prepared token is not active: ${describe(answer)}`)
    }
  }
  return outcome
}

/**
 * 2FA challenges checked with a right TOTP (the factors API of issue 4): one
 * user per request, each with a TOTP factor activated with the code of the
 * time step then. A code is accepted once, so the timed check sends the code
 * of a later step: the current one, or the next (inside the ±1 step window)
 * while the clock is still in the activation step.
 */
async function scenarioTotp(ctx: Context): Promise<ScenarioOutcome> {
  const probe = await postJson(ctx.server.url, '/v1/users/u/factors', { type: 'totp' }, ctx.app.headers)
  if (probe.status === 404) {
    ctx.log('totp-check: factors not implemented yet')
    return { name: 'totp-check', skipped: 'factors not implemented yet' }
  }
  // Scenes are app settings once factors exist: make sure 2fa allows TOTP (a refusal here is left to the checks).
  const scenes = await patchJson(
    ctx.server.url,
    `/admin/v1/apps/${ctx.app.appId}`,
    { settings: { scenes: { '2fa': { allowed_types: ['totp'] } } } },
    ctx.app.adminHeaders,
  )
  if (scenes.status !== 200) ctx.log(`  totp-check: allowing totp in the 2fa scene answered ${describe(scenes)}`)
  const bound = await timedPrep(ctx, `${needed(ctx.options)} active TOTP factors`, () =>
    mapConcurrent(Array.from({ length: needed(ctx.options) }), PREP_CONCURRENCY, async (_, i) => {
      const user = `totp-${ctx.tag}-${i}`
      const answer = expectOk(
        await postJson(ctx.server.url, `/v1/users/${user}/factors`, { type: 'totp' }, ctx.app.headers),
        [200, 201],
        'binding a TOTP factor',
      )
      const factorId = field(answer, 'factor_id', 'binding a TOTP factor')
      const body = answer.body as { otpauth_uri?: unknown }
      const params = totpParams(
        field(answer, 'secret', 'binding a TOTP factor'),
        typeof body.otpauth_uri === 'string' ? body.otpauth_uri : undefined,
      )
      const activate = (step: number) =>
        postJson(
          ctx.server.url,
          `/v1/users/${user}/factors/${factorId}/activate`,
          { verification_code: totpAt(params, step) },
          ctx.app.headers,
        )
      let activatedStep = stepAt(params, Date.now())
      let activated = await activate(activatedStep)
      if (activated.status !== 200) {
        // A slow answer can straddle a step boundary: once more with the step now.
        activatedStep = stepAt(params, Date.now())
        activated = await activate(activatedStep)
      }
      expectOk(activated, [200], 'activating a TOTP factor')
      return { user, factorId, params, activatedStep }
    }),
  )
  // The challenges last, so that they are young when the timed run checks them.
  const factors = await timedPrep(ctx, `${bound.length} 2fa challenges`, () =>
    mapConcurrent(bound, PREP_CONCURRENCY, async (factor) => {
      const challenge = expectOk(
        await postJson(
          ctx.server.url,
          `/v1/users/${factor.user}/challenges`,
          { scene: '2fa', factor_id: factor.factorId },
          ctx.app.headers,
        ),
        [200, 201],
        'starting a 2fa challenge',
      )
      return { ...factor, verificationId: field(challenge, 'verification_id', 'starting a 2fa challenge') }
    }),
  )
  const source = new BodySource((k) => {
    const factor: { params: TotpParams; activatedStep: number; verificationId: string } | undefined = factors[k]
    if (!factor) return undefined
    const step = Math.max(stepAt(factor.params, Date.now()), factor.activatedStep + 1)
    return JSON.stringify({ verification_id: factor.verificationId, verification_code: totpAt(factor.params, step) })
  })
  return warmAndRun(ctx, 'totp-check', '/v1/verifications/verify', 200, source)
}

export async function runTesseraScenarios(
  options: BenchOptions,
  server: TesseraServer,
  app: BenchApp,
  log: (line: string) => void,
): Promise<ScenarioOutcome[]> {
  const ctx: Context = {
    options,
    server,
    urls: server.instances.map((instance) => instance.url),
    instances: server.instances,
    app,
    tag: randomBytes(4).toString('hex'),
    log,
  }
  const outcomes: ScenarioOutcome[] = []
  const runners: Record<ScenarioName, () => Promise<ScenarioOutcome>> = {
    start: () => scenarioStart(ctx),
    'verify-ok': () => scenarioVerify(ctx, 'verify-ok'),
    'verify-bad': () => scenarioVerify(ctx, 'verify-bad'),
    'token-verify': () => scenarioTokenVerify(ctx),
    'totp-check': () => scenarioTotp(ctx),
  }
  for (const name of options.scenarios) {
    log(`Tessera ${name}…`)
    const outcome = await runners[name]()
    if (outcome.result) {
      const r = outcome.result
      log(
        `  ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.errors} errors ${JSON.stringify(r.statuses)}`,
      )
      if (r.errors > 0) {
        const logged = server
          .output()
          .split('\n')
          .filter((line) => /"level":(40|50|60)/.test(line))
        if (logged.length > 0)
          log(`  the server logged (last of ${logged.length}):\n  ${logged.slice(-3).join('\n  ').slice(0, 3000)}`)
      }
    }
    outcomes.push(outcome)
  }
  return outcomes
}

/** Spawn → /healthz 200, milliseconds, on a fresh data folder each time. */
export async function coldStart(options: BenchOptions, secrets: TesseraSecrets): Promise<number> {
  const started = process.hrtime.bigint()
  const server = await startTessera({ ...options, instances: 1, serverLog: undefined }, secrets)
  try {
    for (;;) {
      const answer = await getJson(server.url, '/healthz')
      if (answer.status === 200) return Number(process.hrtime.bigint() - started) / 1e6
      await new Promise((done) => setTimeout(done, 5))
    }
  } finally {
    await server.dispose()
  }
}
