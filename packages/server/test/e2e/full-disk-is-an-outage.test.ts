import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTessera, type Tessera } from '../../src/app.js'
import { loadConfig } from '../../src/config/load-config.js'
import type { Database } from '../../src/storage/database.js'
import { createSqliteDatabase } from '../../src/storage/sqlite/sqlite-database.js'
import { type CaptureProvider, createCaptureProvider } from '../helpers/capture-provider.js'
import { TEST_ADMIN_KEY, TEST_SECRET } from '../helpers/create-test-app.js'
import { type ApiResponse, type CreatedApp, call, createAppWithKey, LIMITS_OUT_OF_THE_WAY } from './helpers/api.js'

// A full disk is an outage, not a bug (issue 13, part 8). The server runs on a
// SQLite file of this test's own, over real HTTP; `PRAGMA max_page_count` on
// the server's own connection makes the database "full" (SQLite answers
// SQLITE_FULL exactly as on a full disk), then is raised again, as when an
// operator frees space. While full: 503 service_unavailable in the contract's
// shape, /readyz not ready, and nothing half-written in the tables; after:
// start, verify and readiness work again without a restart.
// @see issue 13

/** Verifications started before the cap, to be checked while the database is full. */
const PREPARED = 80
/** Upper bound of the starts that fill the database: it holds a few pages' worth, far below this. */
const MAX_FILL_STARTS = 5_000

let root: string
let db: Kysely<Database>
let tessera: Tessera
let capture: CaptureProvider
let url: string
let app: CreatedApp
let emailSeq = 0

const nextEmail = () => `person${++emailSeq}@example.com`

async function count(table: 'verifications' | 'tokens' | 'deliveries'): Promise<number> {
  const result = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)
  return Number(result.rows[0]?.n)
}

async function pragma(statement: string): Promise<number> {
  const result = await sql<Record<string, number>>`${sql.raw(`pragma ${statement}`)}`.execute(db)
  return Number(Object.values(result.rows[0] ?? {})[0])
}

function start(to: string): Promise<ApiResponse> {
  return call(url, 'POST', '/v1/verifications', { key: app.key, body: { channel: 'email', to } })
}

function verify(verificationId: string, code: string): Promise<ApiResponse> {
  return call(url, 'POST', '/v1/verifications/verify', {
    key: app.key,
    body: { verification_id: verificationId, verification_code: code },
  })
}

function expectServiceUnavailable(response: ApiResponse): void {
  expect(response.status).toBe(503)
  expect(response.body).toMatchObject({
    error: 'service_unavailable',
    error_code: 5003,
    error_description: expect.stringContaining('disk full'),
    failing: 'database',
  })
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tessera-full-disk-'))
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: `sqlite:${join(root, 'tessera.db')}`,
    TESSERA_DATA_DIR: root,
    TESSERA_PUBLIC_URL: 'http://127.0.0.1',
  })
  // Opened here so the test reaches the server's own connection (max_page_count is per connection).
  db = createSqliteDatabase(join(root, 'tessera.db'))
  capture = createCaptureProvider()
  tessera = await createTessera({
    config,
    secret: TEST_SECRET,
    adminKey: TEST_ADMIN_KEY,
    logger: pino({ level: 'silent' }),
    database: db,
    extraProviders: [capture.provider],
    deliveryRoutes: { sms: [{ type: 'capture' }], email: [{ type: 'capture' }] },
  })
  url = await tessera.server.listen({ port: 0, host: '127.0.0.1' })
  app = await createAppWithKey(url, TEST_ADMIN_KEY, 'Full disk', { limits: LIMITS_OUT_OF_THE_WAY })
})

afterAll(async () => {
  await tessera?.close()
  if (root) rmSync(root, { recursive: true, force: true })
})

describe('a full SQLite database', () => {
  it('answers 503 service_unavailable, is not ready, keeps nothing half-written, and recovers when space returns', async () => {
    // Pending verifications with their codes, for checks made while the database is full.
    const prepared: { id: string; code: string }[] = []
    for (let i = 0; i < PREPARED; i++) {
      const to = nextEmail()
      const started = await start(to)
      expect(started.status).toBe(201)
      prepared.push({ id: started.body.verification_id, code: capture.lastCode(to) })
    }
    expect((await call(url, 'GET', '/readyz')).status).toBe(200)

    // The "disk" is full: not one page more than the database holds now.
    const pages = await pragma('page_count')
    expect(await pragma(`max_page_count = ${pages}`)).toBe(pages)

    // Starts fill what room is left in the pages, until one needs a page more.
    const startedWhileFilling: string[] = []
    let refused: ApiResponse | undefined
    for (let i = 0; i < MAX_FILL_STARTS && !refused; i++) {
      const response = await start(nextEmail())
      if (response.status === 201) startedWhileFilling.push(response.body.verification_id)
      else refused = response
    }
    expect(refused, 'the database never filled up').toBeDefined()
    expectServiceUnavailable(refused as ApiResponse)
    // A start refused for lack of space leaves no verification: the table holds exactly those answered 201.
    expect(await count('verifications')).toBe(PREPARED + startedWhileFilling.length)
    const orphans = await sql<{ n: number }>`
      select count(*) as n from deliveries where verification_id not in (select id from verifications)`.execute(db)
    expect(Number(orphans.rows[0]?.n)).toBe(0)

    // Readiness fails while writes fail, though the database still answers reads.
    const notReady = await call(url, 'GET', '/readyz')
    expectServiceUnavailable(notReady)
    expect((await call(url, 'GET', `/v1/verifications/${prepared[0]?.id}`, { key: app.key })).status).toBe(200)

    // Right codes: each approval stores a token, until one finds no room. That one is refused whole:
    // still pending, no token, and its code stays good (the approval's transaction rolled back).
    const tokensBefore = await count('tokens')
    let approvedWhileFull = 0
    let refusedCheck: { id: string; code: string } | undefined
    for (const candidate of prepared) {
      const response = await verify(candidate.id, candidate.code)
      if (response.status === 200) {
        approvedWhileFull++
        continue
      }
      expectServiceUnavailable(response)
      refusedCheck = candidate
      break
    }
    expect(refusedCheck, 'no approval ran out of room').toBeDefined()
    const check = refusedCheck as { id: string; code: string }
    expect(await count('tokens')).toBe(tokensBefore + approvedWhileFull)
    // (Kysely's CamelCasePlugin names the columns.)
    const row = await sql<{ status: string; approvedAt: number | null }>`
      select status, approved_at from verifications where id = ${check.id}`.execute(db)
    expect(row.rows[0]).toEqual({ status: 'pending', approvedAt: null })
    const tokensOfRefused = await sql<{ n: number }>`
      select count(*) as n from tokens where verification_id = ${check.id}`.execute(db)
    expect(Number(tokensOfRefused.rows[0]?.n)).toBe(0)
    const read = await call(url, 'GET', `/v1/verifications/${check.id}`, { key: app.key })
    expect(read.body).toMatchObject({ status: 'pending' })

    // Still full: still not ready (the probe write fails too), still 503.
    expectServiceUnavailable(await call(url, 'GET', '/readyz'))
    expectServiceUnavailable(await start(nextEmail()))

    // Space returns: no restart, the next readiness check and requests succeed.
    await pragma(`max_page_count = ${pages * 100}`)
    const ready = await call(url, 'GET', '/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({ status: 'ready', checks: { database: 'ok' } })
    const approved = await verify(check.id, check.code)
    expect(approved.status).toBe(200)
    expect(approved.body.verification_token).toEqual(expect.any(String))
    const to = nextEmail()
    const again = await start(to)
    expect(again.status).toBe(201)
    const againApproved = await verify(again.body.verification_id, capture.lastCode(to))
    expect(againApproved.status).toBe(200)
    const introspected = await call(url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: againApproved.body.verification_token },
    })
    expect(introspected.body).toMatchObject({ active: true, verification_id: again.body.verification_id })
    // The readiness probe left nothing behind.
    const probes = await sql<{ n: number }>`select count(*) as n from events where kind = 'readiness.probe'`.execute(db)
    expect(Number(probes.rows[0]?.n)).toBe(0)
  }, 120_000)
})
