import { randomBytes } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { call, codeFromSms, createAppWithKey } from './helpers/api.js'
import {
  cleanupTempDirs,
  exitWithin,
  freshDataDir,
  killAll,
  secretsForTest,
  spawnTessera,
  startServer,
} from './helpers/start-server.js'
import { startWebhookReceiver } from './helpers/webhook-receiver.js'

afterAll(async () => {
  await killAll()
  cleanupTempDirs()
})

/** Runs `serve` with a configuration that must be refused; answers its exit code and output. */
async function refusedStart(env: Record<string, string>) {
  const proc = spawnTessera(['serve'], { PORT: '0', TESSERA_DATA_DIR: freshDataDir(), ...env })
  const code = await exitWithin(proc, 15_000)
  return { code, stdout: proc.stdout.join('\n'), stderr: proc.stderr.join('\n') }
}

describe('the tessera process', () => {
  it('drains and exits 0 on SIGTERM', async () => {
    const server = await startServer({ env: secretsForTest() })
    expect((await call(server.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' })
    expect((await call(server.url, 'GET', '/readyz')).body).toMatchObject({ status: 'ready' })
    const t0 = Date.now()
    expect(await server.stop('SIGTERM', 5_000)).toBe(0)
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(server.stdout.some((line) => line.includes('shutting down'))).toBe(true)
    // Nothing listens there any more.
    await expect(call(server.url, 'GET', '/healthz', { timeoutMs: 2_000 })).rejects.toThrow()
  })

  it('exits 0 on SIGINT too', async () => {
    const server = await startServer({ env: secretsForTest() })
    expect(await server.stop('SIGINT', 5_000)).toBe(0)
  })

  it('refuses PORT=abc, naming the variable', async () => {
    const result = await refusedStart({ ...secretsForTest(), PORT: 'abc' })
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('PORT')
    expect(result.stdout).not.toContain('Tessera is listening')
  })

  it('refuses a TESSERA_SECRET that is too short, naming it and not echoing it', async () => {
    const short = `s-${randomBytes(6).toString('hex')}`
    const result = await refusedStart({ ...secretsForTest(), TESSERA_SECRET: short })
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('TESSERA_SECRET')
    expect(`${result.stdout}\n${result.stderr}`).not.toContain(short)
    expect(result.stdout).not.toContain('Tessera is listening')
  })

  it('refuses NODE_ENV=production without TESSERA_SECRET', async () => {
    const { TESSERA_ADMIN_KEY } = secretsForTest()
    const result = await refusedStart({ TESSERA_ADMIN_KEY, NODE_ENV: 'production' })
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('TESSERA_SECRET')
    expect(result.stdout).not.toContain('Tessera is listening')
  })

  it('keeps its generated secret and admin key across a restart on the same data dir', async () => {
    const hook = await startWebhookReceiver()
    try {
      const dataDir = freshDataDir()
      const env = {
        TESSERA_DATA_DIR: dataDir,
        TESSERA_SMS_WEBHOOK_URL: hook.url,
        TESSERA_SMS_WEBHOOK_SECRET: randomBytes(20).toString('hex'),
      }
      const first = await startServer({ env })

      const adminKeyFile = join(dataDir, 'admin-key')
      const secretFile = join(dataDir, 'secret')
      expect(statSync(adminKeyFile).mode & 0o777).toBe(0o600)
      expect(statSync(secretFile).mode & 0o777).toBe(0o600)
      const adminKey = readFileSync(adminKeyFile, 'utf8').trim()
      const secret = readFileSync(secretFile, 'utf8').trim()
      expect(adminKey.length).toBeGreaterThanOrEqual(24)
      expect(secret.length).toBeGreaterThanOrEqual(32)
      expect(first.stdout.some((line) => line.includes('generated now'))).toBe(true)

      const app = await createAppWithKey(first.url, adminKey, 'Restart')
      const started = await call(first.url, 'POST', '/v1/verifications', {
        key: app.key,
        body: { channel: 'sms', to: '+14155552671', scene: 'password-reset' },
      })
      expect(started.status).toBe(201)
      const code = codeFromSms(((await hook.nextRequest()).json as { body: string }).body)
      const verified = await call(first.url, 'POST', '/v1/verifications/verify', {
        key: app.key,
        body: { verification_id: started.body.verification_id, verification_code: code },
      })
      expect(verified.status).toBe(200)
      const token: string = verified.body.verification_token
      const jwksBefore = (await call(first.url, 'GET', '/.well-known/jwks.json')).body
      expect(await first.stop()).toBe(0)

      const second = await startServer({ env })
      try {
        expect(second.stdout.some((line) => line.includes('generated now'))).toBe(false)
        expect(readFileSync(adminKeyFile, 'utf8').trim()).toBe(adminKey)
        expect(readFileSync(secretFile, 'utf8').trim()).toBe(secret)
        expect(statSync(adminKeyFile).mode & 0o777).toBe(0o600)
        // The same admin key and app key still work, and the token from before the restart is still ours.
        const apps = await call(second.url, 'GET', `/admin/v1/apps/${app.appId}`, { key: adminKey })
        expect(apps.status).toBe(200)
        const introspected = await call(second.url, 'POST', '/v1/tokens/verify', {
          key: app.key,
          body: { verification_token: token, scene: 'password-reset' },
        })
        expect(introspected.body).toMatchObject({
          active: true,
          verification_id: started.body.verification_id,
          to: '+14155552671',
        })
        const jwksAfter = (await call(second.url, 'GET', '/.well-known/jwks.json')).body
        expect(jwksAfter.keys.map((k: { kid: string }) => k.kid)).toEqual(
          expect.arrayContaining(jwksBefore.keys.map((k: { kid: string }) => k.kid)),
        )
        expect(await second.stop()).toBe(0)
      } finally {
        await second.stop('SIGKILL')
      }
    } finally {
      await hook.close()
    }
  })
})
