import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CreatedApp, call, codeFromSms, createAppWithKey, wrongCodeFor } from './helpers/api.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

const secrets = secretsForTest()
let hook: WebhookReceiver
let server: TestServer
let app: CreatedApp
let phoneSeq = 2600

beforeAll(async () => {
  hook = await startWebhookReceiver()
  server = await startServer({
    env: {
      ...secrets,
      LOG_LEVEL: 'warn',
      TESSERA_SMS_WEBHOOK_URL: hook.url,
      TESSERA_SMS_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    },
  })
  app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Race')
})

afterAll(async () => {
  await server?.stop()
  await killAll()
  await hook?.close()
  cleanupTempDirs()
})

/** Starts an SMS verification and answers its id and the code the webhook received. */
async function startWithCode(): Promise<{ id: string; code: string }> {
  phoneSeq++
  const started = await call(server.url, 'POST', '/v1/verifications', {
    key: app.key,
    body: { channel: 'sms', to: `+1415555${phoneSeq}` },
  })
  expect(started.status).toBe(201)
  const request = await hook.nextRequest()
  const message = request.json as { verification_id: string; body: string }
  expect(message.verification_id).toBe(started.body.verification_id)
  return { id: started.body.verification_id, code: codeFromSms(message.body) }
}

const verify = (id: string, code: string) =>
  call(server.url, 'POST', '/v1/verifications/verify', {
    key: app.key,
    body: { verification_id: id, verification_code: code },
  })

describe('concurrent requests over real HTTP', () => {
  it('50 simultaneous checks of the right code approve exactly once', async () => {
    const { id, code } = await startWithCode()
    const results = await Promise.all(Array.from({ length: 50 }, () => verify(id, code)))

    const winners = results.filter((r) => r.status === 200)
    expect(winners).toHaveLength(1)
    expect(winners[0]?.body.verification_token).toEqual(expect.any(String))
    const losers = results.filter((r) => r.status !== 200)
    expect(losers).toHaveLength(49)
    for (const loser of losers) {
      expect(loser.status).toBe(409)
      expect(loser.body).toMatchObject({ error: 'verification_not_pending', error_code: 4009 })
      expect(loser.body.verification_token).toBeUndefined()
    }

    const view = await call(server.url, 'GET', `/v1/verifications/${id}`, { key: app.key })
    expect(view.body).toMatchObject({ status: 'approved', attempts: 1 })
    const introspected = await call(server.url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: winners[0]?.body.verification_token },
    })
    expect(introspected.body).toMatchObject({ active: true, verification_id: id })
  })

  it('100 simultaneous wrong codes never exceed max_attempts, and then the right code is refused', async () => {
    const { id, code } = await startWithCode()
    const wrong = wrongCodeFor(code)
    const results = await Promise.all(Array.from({ length: 100 }, () => verify(id, wrong)))

    expect(results.filter((r) => r.status === 200)).toHaveLength(0)
    const invalid = results.filter((r) => r.body?.error_code === 4001)
    const locked = results.filter((r) => r.body?.error_code === 4006)
    expect(invalid.length + locked.length).toBe(100)
    // Tries 1–4 say how many remain (each number once); the fifth and every later one say locked.
    expect(invalid.map((r) => r.body.attempts_remaining).sort()).toEqual([1, 2, 3, 4])
    for (const r of invalid) expect(r.status).toBe(400)
    for (const r of locked) {
      expect(r.status).toBe(429)
      expect(r.body.error).toBe('max_attempts_reached')
    }

    const view = await call(server.url, 'GET', `/v1/verifications/${id}`, { key: app.key })
    expect(view.status).toBe(200)
    expect(view.body.attempts).toBeLessThanOrEqual(5)
    expect(view.body).toMatchObject({ status: 'max_attempts_reached', attempts: 5, attempts_remaining: 0 })

    const right = await verify(id, code)
    expect(right.status).toBe(429)
    expect(right.body).toMatchObject({ error: 'max_attempts_reached', error_code: 4006 })
    expect(right.body.verification_token).toBeUndefined()
  })

  it('a mixed burst of wrong and right codes yields at most one token and never more than max_attempts', async () => {
    const { id, code } = await startWithCode()
    const wrong = wrongCodeFor(code)
    const burst = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? code : wrong))
    const results = await Promise.all(burst.map((c) => verify(id, c)))
    const winners = results.filter((r) => r.status === 200)
    expect(winners.length).toBeLessThanOrEqual(1)
    const view = await call(server.url, 'GET', `/v1/verifications/${id}`, { key: app.key })
    expect(view.body.attempts).toBeLessThanOrEqual(5)
    expect(view.body.status).toBe(winners.length === 1 ? 'approved' : 'max_attempts_reached')
  })

  it('30 simultaneous consumes of one token: exactly one is active', async () => {
    const { id, code } = await startWithCode()
    const verified = await verify(id, code)
    expect(verified.status).toBe(200)
    const token: string = verified.body.verification_token

    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        call(server.url, 'POST', '/v1/tokens/verify', {
          key: app.key,
          body: { verification_token: token, consume: true },
        }),
      ),
    )
    for (const r of results) expect(r.status).toBe(200)
    const active = results.filter((r) => r.body.active === true)
    expect(active).toHaveLength(1)
    expect(active[0]?.body).toMatchObject({ verification_id: id, channel: 'sms' })
    const inactive = results.filter((r) => r.body.active === false)
    expect(inactive).toHaveLength(29)
    for (const r of inactive) expect(r.body).toEqual({ active: false, reason: 'consumed' })
  })
})
