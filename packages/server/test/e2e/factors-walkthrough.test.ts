import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeFromSms } from './helpers/api.js'
import {
  cleanupTempDirs,
  killAll,
  REPO_ROOT,
  secretsForTest,
  startServer,
  type TestServer,
} from './helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

// docs/factors.md carries a 2FA walk-through as one shell script. This test runs
// that script word for word against a real server, with Debian's oathtool as the
// authenticator app and the SMS webhook as the phone, so the docs cannot drift.

function walkthroughScript(): string {
  const doc = readFileSync(join(REPO_ROOT, 'docs/factors.md'), 'utf8')
  const section = doc.slice(doc.indexOf('## Walk-through'))
  const match = /```sh\n([\s\S]*?)```/.exec(section)
  if (!match?.[1]) throw new Error('docs/factors.md has no walk-through script')
  return match[1]
}

// oathtool is the independent authenticator. CI installs it; elsewhere the test says why it skips.
const hasOathtool = spawnSync('oathtool', ['--version']).status === 0
if (!hasOathtool && !process.env.CI) {
  process.stderr.write('oathtool is not installed (apt-get install oathtool): the docs walk-through test is skipped.\n')
}

const secrets = secretsForTest()
let hook: WebhookReceiver
let server: TestServer
let phone: Server
let phoneUrl: string

beforeAll(async () => {
  hook = await startWebhookReceiver()
  server = await startServer({
    env: {
      ...secrets,
      TESSERA_SMS_WEBHOOK_URL: hook.url,
      TESSERA_SMS_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    },
  })
  // The "phone": answers the code of the next SMS the webhook receives.
  phone = createServer((_request, response) => {
    hook
      .nextRequest(10_000)
      .then((request) => {
        const body = (request.json as { body: string }).body
        response.end(codeFromSms(body))
      })
      .catch(() => {
        response.statusCode = 504
        response.end()
      })
  })
  await new Promise<void>((resolve) => phone.listen(0, '127.0.0.1', resolve))
  phoneUrl = `http://127.0.0.1:${(phone.address() as AddressInfo).port}/code`
})

afterAll(async () => {
  await server?.stop()
  await killAll()
  await hook?.close()
  await new Promise((resolve) => phone?.close(resolve))
  cleanupTempDirs()
})

describe.skipIf(!hasOathtool && !process.env.CI)('docs/factors.md walk-through', () => {
  it('enrols TOTP, passes 2FA, adds backup codes and a phone, and removes a factor with a step-up token', async () => {
    const child = spawn('bash', ['-c', walkthroughScript()], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TESSERA_URL: server.url,
        ADMIN_KEY: secrets.TESSERA_ADMIN_KEY,
        CODE_COMMAND: `curl -sf ${phoneUrl}?to=`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 100_000)
      child.on('close', (exit) => {
        clearTimeout(timer)
        resolve(exit)
      })
    })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    // Activation, the 2FA token's user, the phone's activation, the factors left.
    expect(stdout.trim().split('\n')).toEqual(['active', 'u_42', 'active', 'backup-code:active sms:active'])
  }, 120_000)
})
