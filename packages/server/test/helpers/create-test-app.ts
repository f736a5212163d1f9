import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import pg from 'pg'
import pino, { type Logger } from 'pino'
import { createTessera, type Tessera } from '../../src/app.js'
import { CHANNEL_NAMES } from '../../src/channels/built-in-channels.js'
import { loadConfig } from '../../src/config/load-config.js'
import type { Verifier } from '../../src/verifiers/verifier.js'
import { type CaptureProvider, createCaptureProvider } from './capture-provider.js'
import { createFakeClock, type FakeClock } from './fake-clock.js'
import { newPooledSchemaName } from './pooled-schema.js'

export const TEST_ADMIN_KEY = 'tadm_test_admin_key_0123456789abcdef'
export const TEST_SECRET = 'test-secret-0123456789-0123456789-0123456789'

export interface TestApp {
  readonly tessera: Tessera
  readonly clock: FakeClock
  readonly capture: CaptureProvider
  /** JSON request with the given bearer key. */
  request(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    options?: { key?: string | undefined; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>
  /** A new app (with optional settings) and one key for it. */
  createApp(settings?: Record<string, unknown>, name?: string): Promise<{ appId: string; key: string }>
  close(): Promise<void>
}

export interface TestAppOptions {
  /** Verification types beside the built-in ones (passed through to createTessera). */
  readonly extraVerifiers?: readonly Verifier[]
  /** The server's logger (default: silent), for tests that read what is logged. */
  readonly logger?: Logger
}

/** Migrated test schemas of this worker, emptied and waiting for the next test. */
const freeSchemas: string[] = []

/**
 * The engine under test: in-memory SQLite, or — when the suite runs as its
 * `postgres` project (TEST_DATABASE=postgres) — a schema of its own in the
 * PostgreSQL of TEST_POSTGRES_URL. Schemas are reused within a worker (emptied
 * on close), so each test does not pay for the migrations; the project's
 * global setup drops this run's at the end.
 */
function testDatabase(): { url: string; schema?: string; release: () => Promise<void> } {
  if (process.env.TEST_DATABASE !== 'postgres') return { url: ':memory:', release: async () => undefined }
  const url = process.env.TEST_POSTGRES_URL
  if (!url) throw new Error('TEST_DATABASE=postgres needs TEST_POSTGRES_URL')
  const schema = freeSchemas.pop() ?? newPooledSchemaName()
  return {
    url,
    schema,
    async release() {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        const tables = await client.query<{ tablename: string }>(
          "select tablename from pg_tables where schemaname = $1 and tablename <> 'tessera_migrations'",
          [schema],
        )
        const names = tables.rows.map((row) => `${schema}.${row.tablename}`).join(', ')
        if (names) await client.query(`truncate table ${names} cascade`)
        freeSchemas.push(schema)
      } finally {
        await client.end()
      }
    },
  }
}

/** A test database (see testDatabase), a capture provider on both channels, a fake clock, no port. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const clock = createFakeClock()
  const capture = createCaptureProvider()
  const database = testDatabase()
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-test-')),
    TESSERA_PUBLIC_URL: 'http://tessera.test',
  })
  const tessera = await createTessera({
    config,
    secret: TEST_SECRET,
    adminKey: TEST_ADMIN_KEY,
    logger: options.logger ?? pino({ level: 'silent' }),
    clock,
    ...(database.schema ? { postgresSchema: database.schema } : {}),
    extraProviders: [capture.provider],
    deliveryRoutes: Object.fromEntries(CHANNEL_NAMES.map((channel) => [channel, [{ type: 'capture' }]])),
    ...(options.extraVerifiers === undefined ? {} : { extraVerifiers: options.extraVerifiers }),
  })
  const request: TestApp['request'] = (method, url, requestOptions = {}) =>
    tessera.server.inject({
      method,
      url,
      headers: {
        ...(requestOptions.key === undefined ? {} : { authorization: `Bearer ${requestOptions.key}` }),
        ...(requestOptions.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...requestOptions.headers,
      },
      ...(requestOptions.body === undefined ? {} : { payload: JSON.stringify(requestOptions.body) }),
    })
  return {
    tessera,
    clock,
    capture,
    request,
    async createApp(settings, name = 'Acme') {
      const app = await request('POST', '/admin/v1/apps', { key: TEST_ADMIN_KEY, body: { name, settings } })
      if (app.statusCode !== 201) throw new Error(`create app: ${app.statusCode} ${app.body}`)
      const appId = app.json<{ app_id: string }>().app_id
      const key = await request('POST', `/admin/v1/apps/${appId}/keys`, { key: TEST_ADMIN_KEY, body: {} })
      if (key.statusCode !== 201) throw new Error(`create key: ${key.statusCode} ${key.body}`)
      return { appId, key: key.json<{ key: string }>().key }
    },
    async close() {
      await tessera.close()
      await database.release()
    },
  }
}
