import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from './helpers/api.js'
import { cleanupTempDirs, freshDataDir, killAll, runCli, startServer } from './helpers/start-server.js'

// The data folder holds identifiers, hosted session ids, events and the
// generated keys: it is 0700 and every file in it 0600, for every path that
// creates it (the CLI, `serve`), whatever the umask; an install left open by
// an older version is tightened at start, with a log line naming paths only.
// @see issue 13, part 5

let savedUmask: number
beforeAll(() => {
  // Inherited by the children: without explicit modes their files would be world-readable, even writable.
  savedUmask = process.umask(0)
})
afterAll(async () => {
  process.umask(savedUmask)
  await killAll()
  cleanupTempDirs()
})

const modeOf = (path: string) => statSync(path).mode & 0o777

function expectPrivate(dataDir: string, files: readonly string[]): void {
  expect(modeOf(dataDir), dataDir).toBe(0o700)
  for (const name of files) {
    const path = join(dataDir, name)
    expect(existsSync(path), path).toBe(true)
    expect(modeOf(path), path).toBe(0o600)
  }
}

describe('the data folder', () => {
  it('is created owner-only by the CLI and by serve, and an install left open is tightened at start', async () => {
    // Not there yet: the CLI creates it (and its parent).
    const dataDir = join(freshDataDir(), 'nested', 'data')
    const env = { TESSERA_DATA_DIR: dataDir, LOG_LEVEL: 'info' }

    const migrated = await runCli(['migrate', '--json'], env)
    expect(migrated.code).toBe(0)
    expectPrivate(dataDir, ['tessera.db', 'secret', 'admin-key'])
    expect(modeOf(join(dataDir, '..'))).toBe(0o700)
    const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim()
    const secret = readFileSync(join(dataDir, 'secret'), 'utf8').trim()

    // Served: the WAL and SHM files SQLite makes for its writes are owner-only too.
    const server = await startServer({ env })
    try {
      const created = await call(server.url, 'POST', '/admin/v1/apps', { key: adminKey, body: { name: 'Modes' } })
      expect(created.status).toBe(201)
      expectPrivate(dataDir, ['tessera.db', 'tessera.db-wal', 'tessera.db-shm', 'secret', 'admin-key'])
      expect(server.allLines().join('\n')).not.toContain('open to other users')
    } finally {
      expect(await server.stop()).toBe(0)
    }

    // What an older version left: everything readable by every local user.
    chmodSync(dataDir, 0o755)
    for (const name of ['tessera.db', 'secret', 'admin-key']) chmodSync(join(dataDir, name), 0o644)
    const again = await startServer({ env })
    try {
      expectPrivate(dataDir, ['tessera.db', 'tessera.db-wal', 'tessera.db-shm', 'secret', 'admin-key'])
      const notices = again.allLines().filter((line) => line.includes('open to other users'))
      for (const path of [dataDir, join(dataDir, 'tessera.db'), join(dataDir, 'secret'), join(dataDir, 'admin-key')]) {
        expect(
          notices.some((line) => line.includes(`${path} was mode`)),
          `no notice for ${path}`,
        ).toBe(true)
      }
      // The notices name paths and modes, never what the files hold.
      for (const line of notices) {
        expect(line).not.toContain(secret)
        expect(line).not.toContain(adminKey)
      }
      // And the service works on the tightened folder.
      const listed = await call(again.url, 'GET', '/admin/v1/apps', { key: adminKey })
      expect(listed.status).toBe(200)
    } finally {
      expect(await again.stop()).toBe(0)
    }
  }, 120_000)
})
