// The server's OpenAPI document, built in-process (an in-memory database, no port): the SDK's types are
// generated from it (packages/client/scripts/generate-types.ts) and its staleness test compares against it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { createTessera } from '../src/app.js'
import { loadConfig } from '../src/config/load-config.js'

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-openapi-'))
  const tessera = await createTessera({
    config: loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: ':memory:',
      TESSERA_DATA_DIR: dataDir,
      TESSERA_PUBLIC_URL: 'http://localhost:3000',
    }),
    secret: 'openapi-document-secret-0123456789-0123456789',
    adminKey: 'openapi-document-admin-key-0123456789',
    logger: pino({ level: 'silent' }),
  })
  try {
    await tessera.server.ready()
    return tessera.server.swagger() as unknown as Record<string, unknown>
  } finally {
    await tessera.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
