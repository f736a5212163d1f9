import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, codeFromEmailText, codeFromSms, createAppWithKey, wrongCodeFor } from './helpers/api.js'
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp-receiver.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

const secrets = secretsForTest()
const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`
const EMAIL = 'Lin.Shao@Example.ORG'
const EMAIL_NORMALISED = 'Lin.Shao@example.org'
const PHONE = '+14155552671'
let smtp: SmtpReceiver
let hook: WebhookReceiver
let server: TestServer

beforeAll(async () => {
  smtp = await startSmtpReceiver()
  hook = await startWebhookReceiver()
  server = await startServer({
    env: {
      ...secrets,
      LOG_LEVEL: 'trace',
      TESSERA_SMTP_URL: smtp.url,
      TESSERA_EMAIL_FROM: 'no-reply@tessera.test',
      TESSERA_SMS_WEBHOOK_URL: hook.url,
      TESSERA_SMS_WEBHOOK_SECRET: webhookSecret,
    },
  })
})

afterAll(async () => {
  await server?.stop()
  await killAll()
  await smtp?.close()
  await hook?.close()
  cleanupTempDirs()
})

describe('logs at trace level', () => {
  it('hold no code, token, key, secret or full identifier after a whole flow', async () => {
    // Ten-character letter-and-digit codes: no chance of meeting one inside a timestamp or a number.
    const alnum = { code_alphabet: 'alphanumeric', code_length: 10 }
    const app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Logbook', {
      channels: { email: alnum, sms: alnum },
    })
    const needles: Record<string, string> = {
      'admin key': secrets.TESSERA_ADMIN_KEY,
      'server secret': secrets.TESSERA_SECRET,
      'webhook secret': webhookSecret,
      'webhook secret bytes': webhookSecret.slice('whsec_'.length),
      'app key': app.key,
      email: EMAIL,
      'normalised email': EMAIL_NORMALISED,
      phone: PHONE,
      'phone digits': PHONE.slice(1),
    }
    const tokens: string[] = []

    for (const [channel, to] of [
      ['email', EMAIL],
      ['sms', PHONE],
    ] as const) {
      const started = await call(server.url, 'POST', '/v1/verifications', {
        key: app.key,
        body: { channel, to, scene: 'login', user_id: 'u_logs' },
      })
      expect(started.status).toBe(201)
      const code =
        channel === 'email'
          ? codeFromEmailText((await smtp.nextMessage(EMAIL_NORMALISED)).text ?? '')
          : codeFromSms(((await hook.nextRequest()).json as { body: string }).body)
      expect(code).toMatch(/^[A-Z0-9]{10}$/)
      needles[`${channel} code`] = code
      const wrong = wrongCodeFor(code)
      needles[`${channel} wrong code`] = wrong

      const refused = await call(server.url, 'POST', '/v1/verifications/verify', {
        key: app.key,
        body: { verification_id: started.body.verification_id, verification_code: wrong },
      })
      expect(refused.body.error_code).toBe(4001)
      const verified = await call(server.url, 'POST', '/v1/verifications/verify', {
        key: app.key,
        body: { verification_id: started.body.verification_id, verification_code: code },
      })
      expect(verified.status).toBe(200)
      const token: string = verified.body.verification_token
      tokens.push(token)
      needles[`${channel} token`] = token
      needles[`${channel} token signature`] = token.split('.')[2] ?? token

      const introspect = (body: Record<string, unknown>) =>
        call(server.url, 'POST', '/v1/tokens/verify', { key: app.key, body: { verification_token: token, ...body } })
      expect((await introspect({ scene: 'login' })).body.active).toBe(true)
      expect((await introspect({ scene: 'signup' })).body.reason).toBe('scene_mismatch')
      expect((await introspect({ consume: true })).body.active).toBe(true)
      expect((await introspect({ consume: true })).body.reason).toBe('consumed')
      expect(
        (await call(server.url, 'GET', `/v1/verifications/${started.body.verification_id}`, { key: app.key })).status,
      ).toBe(200)
    }

    // Failures log too: a refused delivery, an unknown key, the admin key on an app route.
    hook.status = 500
    const failed = await call(server.url, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'sms', to: PHONE },
    })
    expect(failed.status).toBe(502)
    hook.status = 200
    const unknownKey = `tsk_${randomBytes(24).toString('base64url')}`
    needles['unknown key'] = unknownKey
    expect((await call(server.url, 'GET', '/v1/verifications/ver_x', { key: unknownKey })).status).toBe(401)
    expect((await call(server.url, 'GET', '/v1/verifications/ver_x', { key: secrets.TESSERA_ADMIN_KEY })).status).toBe(
      403,
    )

    expect(await server.stop()).toBe(0)
    const lines = server.allLines()

    // The log really was written at a verbose level and covers the flow.
    const json = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(json.length).toBeGreaterThan(30)
    expect(lines.some((line) => line.includes('/v1/verifications/verify'))).toBe(true)
    expect(lines.some((line) => line.includes('/v1/tokens/verify'))).toBe(true)
    expect(json.some((entry) => entry.msg === 'delivery failed')).toBe(true)
    expect(lines.some((line) => line.includes('from TESSERA_ADMIN_KEY'))).toBe(true)

    const leaks: string[] = []
    for (const line of lines) {
      const lower = line.toLowerCase()
      for (const [name, value] of Object.entries(needles)) {
        if (lower.includes(value.toLowerCase())) leaks.push(`${name} in: ${line.slice(0, 300)}`)
      }
    }
    expect(leaks).toEqual([])
  })
})
