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
  it('exits 0 promptly on SIGTERM and SIGINT, even when signalled the moment the banner appears', async () => {
    // A supervisor may stop the service as soon as it announces itself: that must never be a kill.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await startServer({ env: secretsForTest() })
      const t0 = Date.now()
      expect(await server.stop(signal, 5_000)).toBe(0)
      expect(Date.now() - t0).toBeLessThan(5_000)
      expect(server.child.signalCode).toBeNull()
      expect(server.stdout.some((line) => line.includes(`"signal":"${signal}"`))).toBe(true)
      expect(server.stdout.some((line) => line.includes('"msg":"stopped"'))).toBe(true)
      // Nothing listens there any more.
      await expect(call(server.url, 'GET', '/healthz', { timeoutMs: 2_000 })).rejects.toThrow()
    }
  }, 90_000)

  it('started with `npm start`, stops when npm is signalled: no service is left serving', async () => {
    // A supervisor (or a terminal's Ctrl-C sent to npm alone) signals npm; the service must not outlive it.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await startServer({ env: secretsForTest(), viaNpmStart: true, startTimeoutMs: 60_000 })
      expect((await call(server.url, 'GET', '/healthz')).status).toBe(200)
      expect(await server.stop(signal, 10_000)).toBe(0)
      expect(server.stdout.some((line) => line.includes(`"signal":"${signal}"`))).toBe(true)
      expect(server.stdout.some((line) => line.includes('"msg":"stopped"'))).toBe(true)
      await expect(call(server.url, 'GET', '/healthz', { timeoutMs: 2_000 })).rejects.toThrow()
    }
  }, 150_000)

  it('prints both first steps in its banner (create an app, then its key), and they work as printed', async () => {
    // No TESSERA_ADMIN_KEY: the banner shows the key this install generated, as on a first `npm start`.
    const server = await startServer()
    try {
      const curls = server.stdout.filter((line) => line.trim().startsWith('curl '))
      expect(curls).toHaveLength(2)
      /** Runs one printed curl line the way curl would: method, URL, headers, body. */
      const run = async (line: string) => {
        const url = /(http:\/\/\S+)/.exec(line)?.[1] ?? ''
        const headers = Object.fromEntries(
          [...line.matchAll(/-H "([^:]+): ([^"]+)"/g)].map((m) => [m[1] as string, m[2] as string]),
        )
        const body = /-d '([^']+)'/.exec(line)?.[1]
        const response = await fetch(url, { method: 'POST', headers, ...(body ? { body } : {}) })
        return { status: response.status, json: (await response.json()) as Record<string, string> }
      }
      const app = await run(curls[0] as string)
      expect(app.status).toBe(201)
      expect(app.json.app_id).toMatch(/^app_/)
      const key = await run((curls[1] as string).replace('APP_ID', app.json.app_id as string))
      expect(key.status).toBe(201)
      const started = await call(server.url, 'POST', '/v1/verifications', {
        key: key.json.key as string,
        body: { channel: 'email', to: 'first@example.com' },
      })
      expect(started.status).toBe(201)
      expect(server.stdout.some((line) => /^ {2}metrics +http:\/\/127\.0\.0\.1:\d+\/metrics$/.test(line))).toBe(true)
    } finally {
      await server.stop('SIGKILL')
    }
  }, 60_000)

  it('finishes an in-flight request before exiting on SIGTERM', async () => {
    const hook = await startWebhookReceiver()
    try {
      const secrets = secretsForTest()
      const server = await startServer({
        env: { ...secrets, TESSERA_SMS_WEBHOOK_URL: hook.url, TESSERA_SMS_WEBHOOK_SECRET: 'x'.repeat(24) },
      })
      const app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Drain')
      hook.delayMs = 1_000
      const inFlight = call(server.url, 'POST', '/v1/verifications', {
        key: app.key,
        body: { channel: 'sms', to: '+14155552671' },
      })
      await hook.nextRequest()
      const t0 = Date.now()
      const stopped = server.stop('SIGTERM', 12_000)
      const response = await inFlight
      expect(response.status).toBe(201)
      expect(response.body.status).toBe('pending')
      // The client keeps its connection alive: shutdown must not wait for it to go away.
      expect(await stopped).toBe(0)
      expect(Date.now() - t0).toBeLessThan(4_000)
      expect(server.stdout.some((line) => line.includes('"msg":"stopped"'))).toBe(true)
      expect(server.stdout.some((line) => line.includes('longer than'))).toBe(false)
    } finally {
      await hook.close()
    }
  }, 60_000)

  // Independent one-shot processes: run side by side to save wall time.
  describe.concurrent('refuses to start with', () => {
    it('PORT=abc, naming the variable', async ({ expect }) => {
      const result = await refusedStart({ ...secretsForTest(), PORT: 'abc' })
      expect(result.code).not.toBe(0)
      expect(result.stderr).toMatch(/\bPORT\b.*abc/)
      expect(result.stdout).not.toContain('Tessera is listening')
    }, 60_000)

    it('a TESSERA_SECRET that is too short, naming it and not echoing it', async ({ expect }) => {
      const short = `s-${randomBytes(6).toString('hex')}`
      const result = await refusedStart({ ...secretsForTest(), TESSERA_SECRET: short })
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain('TESSERA_SECRET')
      expect(`${result.stdout}\n${result.stderr}`).not.toContain(short)
      expect(result.stdout).not.toContain('Tessera is listening')
    }, 60_000)

    it('NODE_ENV=production without TESSERA_SECRET', async ({ expect }) => {
      const { TESSERA_ADMIN_KEY } = secretsForTest()
      const result = await refusedStart({ TESSERA_ADMIN_KEY, NODE_ENV: 'production' })
      expect(result.code).not.toBe(0)
      expect(result.stderr).toMatch(/TESSERA_SECRET.*production/)
      expect(result.stdout).not.toContain('Tessera is listening')
    }, 60_000)
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
        expect((await call(second.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' })
        expect((await call(second.url, 'GET', '/readyz')).body).toEqual({ status: 'ready', checks: { database: 'ok' } })
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
  }, 90_000)
})
