import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import pino from 'pino'
import { createTessera, type Tessera } from '../../src/app.js'
import { loadConfig } from '../../src/config/load-config.js'
import { type CaptureProvider, createCaptureProvider } from './capture-provider.js'
import { createFakeClock, type FakeClock } from './fake-clock.js'

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

/** In-memory SQLite, a capture provider on both channels, a fake clock, no port. */
export async function createTestApp(): Promise<TestApp> {
  const clock = createFakeClock()
  const capture = createCaptureProvider()
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: ':memory:',
    TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-test-')),
    TESSERA_PUBLIC_URL: 'http://tessera.test',
  })
  const tessera = await createTessera({
    config,
    secret: TEST_SECRET,
    adminKey: TEST_ADMIN_KEY,
    logger: pino({ level: 'silent' }),
    clock,
    extraProviders: [capture.provider],
    deliveryRoutes: { sms: { provider: 'capture', options: {} }, email: { provider: 'capture', options: {} } },
  })
  const request: TestApp['request'] = (method, url, options = {}) =>
    tessera.server.inject({
      method,
      url,
      headers: {
        ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
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
    close: () => tessera.close(),
  }
}
