import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { createTessera, type Tessera } from '../../src/app.js'
import { CHANNEL_NAMES } from '../../src/channels/built-in-channels.js'
import { loadConfig } from '../../src/config/load-config.js'
import { type CaptureProvider, createCaptureProvider } from './capture-provider.js'
import { TEST_ADMIN_KEY, TEST_SECRET } from './create-test-app.js'
import { createFakeClock, type FakeClock } from './fake-clock.js'
import { newPooledSchemaName } from './pooled-schema.js'

export interface SharedDatabaseInstances {
  readonly instances: readonly Tessera[]
  readonly clock: FakeClock
  /** Messages every instance sent (one capture provider behind all of them). */
  readonly capture: CaptureProvider
  close(): Promise<void>
}

/**
 * Several Tessera instances on one database, as behind a load balancer: a
 * SQLite file in a temp folder, or — in the `postgres` project — one fresh
 * schema (dropped with the others by the project's global setup). They share
 * one fake clock, the server secret and admin key, and a capture provider; no port is opened.
 * Requests must not overlap across instances on SQLite (one process, one file).
 */
export async function createSharedDatabaseInstances(count: number): Promise<SharedDatabaseInstances> {
  const clock = createFakeClock()
  const capture = createCaptureProvider()
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-shared-'))
  const postgres = process.env.TEST_DATABASE === 'postgres'
  const url = postgres ? process.env.TEST_POSTGRES_URL : `sqlite:${join(dataDir, 'shared.db')}`
  if (!url) throw new Error('TEST_DATABASE=postgres needs TEST_POSTGRES_URL')
  const schema = postgres ? newPooledSchemaName() : undefined
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    TESSERA_DATA_DIR: dataDir,
    TESSERA_PUBLIC_URL: 'http://tessera.test',
  })
  const instances: Tessera[] = []
  // One after the other: the first migrates and creates the first signing key, the others find both.
  for (let i = 0; i < count; i++) {
    instances.push(
      await createTessera({
        config,
        secret: TEST_SECRET,
        adminKey: TEST_ADMIN_KEY,
        logger: pino({ level: 'silent' }),
        clock,
        ...(schema ? { postgresSchema: schema } : {}),
        extraProviders: [capture.provider],
        deliveryRoutes: Object.fromEntries(CHANNEL_NAMES.map((channel) => [channel, [{ type: 'capture' }]])),
        // One SQLite file serves one instance: here several share it in one process, where a background writer
        // (the webhook dispatcher's transactions) would hold the file's lock while another instance's
        // synchronous write waits on it, blocking the process. On PostgreSQL every instance dispatches.
        dispatchWebhooks: postgres,
      }),
    )
  }
  return {
    instances,
    clock,
    capture,
    async close() {
      for (const instance of instances) await instance.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
