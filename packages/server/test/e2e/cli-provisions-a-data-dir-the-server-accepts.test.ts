import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { call } from './helpers/api.js'
import { cleanupTempDirs, freshDataDir, killAll, runCli, secretsForTest, startServer } from './helpers/start-server.js'

afterAll(async () => {
  await killAll()
  cleanupTempDirs()
})

/** The one JSON line a `--json` command prints. */
function jsonOf(stdout: string): Record<string, unknown> {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('{'))
  if (!line) throw new Error(`no JSON in: ${stdout}`)
  return JSON.parse(line) as Record<string, unknown>
}

describe('the tessera CLI', () => {
  it('migrates, creates an app and keys, and a server on the same data dir accepts those keys', async () => {
    const dataDir = freshDataDir()
    // No TESSERA_SECRET: the CLI generates it into the data dir, and the server must reuse it.
    const { TESSERA_ADMIN_KEY } = secretsForTest()
    const env = { TESSERA_DATA_DIR: dataDir, TESSERA_ADMIN_KEY }

    const migrated = await runCli(['migrate', '--json'], env)
    expect(migrated.code).toBe(0)
    const applied = jsonOf(migrated.stdout).applied as string[]
    expect(applied.length).toBeGreaterThan(0)
    expect(existsSync(join(dataDir, 'tessera.db'))).toBe(true)

    // The first command made the server secret: it says so, on standard error (stdout stays parseable).
    expect(migrated.stderr).toContain(`tessera: warning: created a new server secret ${join(dataDir, 'secret')}`)
    expect(migrated.stderr).not.toContain('data folder')
    expect(migrated.stderr).not.toContain('admin key')

    const created = await runCli(['apps', 'create', '--name', 'Shell Co', '--json'], env)
    expect(created.code).toBe(0)
    // The second one found what the first made: nothing to warn about.
    expect(created.stderr).not.toContain('warning')
    const app = jsonOf(created.stdout)
    expect(app).toMatchObject({ name: 'Shell Co' })
    expect(app.app_id).toMatch(/^app_/)
    expect(app.key).toEqual(expect.any(String))
    const appId = String(app.app_id)

    const keyed = await runCli(['keys', 'create', appId, '--name', 'second', '--json'], env)
    expect(keyed.code).toBe(0)
    const second = jsonOf(keyed.stdout)
    expect(second.key).toEqual(expect.any(String))
    expect(second.key).not.toBe(app.key)
    expect(String(second.key).startsWith(String(second.prefix))).toBe(true)

    const unknownApp = await runCli(['keys', 'create', 'app_doesnotexist', '--json'], env)
    expect(unknownApp.code).not.toBe(0)
    expect(unknownApp.stdout).not.toContain('"key"')

    const server = await startServer({ env })
    try {
      for (const key of [String(app.key), String(second.key)]) {
        const started = await call(server.url, 'POST', '/v1/verifications', {
          key,
          body: { channel: 'sms', to: '+14155552671' },
        })
        expect(started.status).toBe(201)
        expect(started.body.verification_id).toMatch(/^ver_/)
        const read = await call(server.url, 'GET', `/v1/verifications/${started.body.verification_id}`, { key })
        expect(read.body).toMatchObject({ status: 'pending', channel: 'sms' })
      }
      // A made-up key of the same shape is refused: acceptance above was not a free pass.
      const forged = `${String(second.key).slice(0, -4)}AAAA`
      const refused = await call(server.url, 'GET', '/v1/verifications/ver_x', { key: forged })
      expect(refused.status).toBe(401)
      expect(refused.body).toMatchObject({ error: 'unauthorized', error_code: 4010 })

      const shown = await call(server.url, 'GET', `/admin/v1/apps/${appId}`, { key: TESSERA_ADMIN_KEY })
      expect(shown.status).toBe(200)
      expect(shown.body).toMatchObject({ app_id: appId, name: 'Shell Co' })
      expect(await server.stop()).toBe(0)
    } finally {
      await server.stop('SIGKILL')
    }
  }, 120_000)

  it('warns when it makes a data folder, secret and admin key of its own instead of using the server’s', async () => {
    // As a newcomer does: the server runs from the repository, the command from another folder.
    const elsewhere = join(freshDataDir(), 'not-the-server-data')
    const made = await runCli(['apps', 'create', '--name', 'Lost', '--json'], { TESSERA_DATA_DIR: elsewhere })
    expect(made.code).toBe(0)
    expect(made.stderr).toContain(
      `tessera: warning: created a new data folder ${elsewhere}, a new server secret ${join(elsewhere, 'secret')}, a new admin key ${join(elsewhere, 'admin-key')}.`,
    )
    expect(made.stderr).toContain('this command is not using its data')
    expect(jsonOf(made.stdout).app_id).toMatch(/^app_/)
    // Nothing secret in the warning: paths only.
    expect(made.stderr).not.toContain(readFileSync(join(elsewhere, 'secret'), 'utf8').trim())
    expect(made.stderr).not.toContain(readFileSync(join(elsewhere, 'admin-key'), 'utf8').trim())
  }, 60_000)
})
