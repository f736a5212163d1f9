import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConnectionError, RateLimitedError, Tessera, TesseraError, TimeoutError } from '../src/index.js'
import { type FaultyProxy, startFaultyProxy } from './helpers/faulty-proxy.js'
import { newPhone, type RunningTessera, startTessera } from './helpers/tessera-server.js'

// Retries against a real Tessera behind a proxy that kills connections: lost answers are retried with the same
// Idempotency-Key, so a person never gets a second SMS; refusals the server asks to retry are retried with
// backoff; a check whose answer was lost is not (it may have succeeded).

let server: RunningTessera
let proxy: FaultyProxy

beforeAll(async () => {
  server = await startTessera()
  proxy = await startFaultyProxy(server.url)
})
afterEach(() => {
  proxy.reset()
})
afterAll(async () => {
  await proxy?.close()
  await server?.stop()
})

const client = (options: Partial<ConstructorParameters<typeof Tessera>[0]> = {}) =>
  new Tessera({ baseUrl: proxy.url, apiKey: server.apiKey, initialRetryDelayMs: 50, ...options })

describe('a start whose answer is lost', () => {
  it('is retried with the same Idempotency-Key after the server answered: one SMS, the first answer', async () => {
    const to = newPhone()
    const before = proxy.requests
    proxy.plan('cut-after-answer')
    const started = await client().verifications.start({ channel: 'sms', to })
    expect(proxy.requests - before).toBe(2)
    expect(server.sentTo(to)).toBe(1)
    // The answer is the first request's: its code (the only one sent) approves it.
    const checked = await client().verifications.check({
      verification_id: started.verification_id,
      verification_code: await server.codeSentTo(to),
    })
    expect(checked.status).toBe('approved')
  })

  it('is retried while the server may still be working on it: one SMS, however often the connection is cut', async () => {
    for (let round = 0; round < 3; round++) {
      const to = newPhone()
      proxy.plan('cut-after-send', 'cut-after-send')
      const started = await client({ maxRetries: 4 }).verifications.start({ channel: 'sms', to, scene: 'login' })
      expect(started.scene).toBe('login')
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(server.sentTo(to)).toBe(1)
    }
  })

  it('is not retried when retries are off for the call: a ConnectionError', async () => {
    const to = newPhone()
    proxy.plan('cut-after-answer')
    const error = await client()
      .verifications.start({ channel: 'sms', to }, { maxRetries: 0 })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error).toMatchObject({ error: 'connection_error', status: 0 })
  })

  it('keeps a key the caller gives: a retry of the caller’s own replays too', async () => {
    const to = newPhone()
    const first = await client().verifications.start({ channel: 'sms', to }, { idempotencyKey: `signup-${to}` })
    const again = await client().verifications.start({ channel: 'sms', to }, { idempotencyKey: `signup-${to}` })
    expect(again.verification_id).toBe(first.verification_id)
    expect(server.sentTo(to)).toBe(1)
  })
})

describe('a check whose answer is lost', () => {
  it('is not retried (a second check could fail where the first won)', async () => {
    const to = newPhone()
    const { verification_id } = await client().verifications.start({ channel: 'sms', to })
    const code = await server.codeSentTo(to)
    const before = proxy.requests
    proxy.plan('cut-after-answer')
    await expect(client().verifications.check({ verification_id, verification_code: code })).rejects.toBeInstanceOf(
      ConnectionError,
    )
    expect(proxy.requests - before).toBe(1)
  })
})

describe('refusals the server asks to retry', () => {
  it('retries a 503 with backoff, and gives up after maxRetries', async () => {
    proxy.plan('status:503')
    const view = await client().verifications.start({ channel: 'sms', to: newPhone() })
    expect(view.status).toBe('pending')
    proxy.plan('status:503', 'status:503', 'status:503')
    const error = await client({ maxRetries: 2 })
      .verifications.get(view.verification_id)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TesseraError)
    expect(error).toMatchObject({ error: 'service_unavailable', status: 503 })
  })

  it('waits out a 429’s retry_after before the retry', async () => {
    const { verification_id } = await client().verifications.start({ channel: 'sms', to: newPhone() })
    proxy.plan('status:429')
    const started = Date.now()
    const view = await client().verifications.get(verification_id)
    expect(view.verification_id).toBe(verification_id)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    proxy.plan('status:429')
    const refused = await client()
      .verifications.get(verification_id, { maxRetries: 0 })
      .catch((caught: unknown) => caught)
    expect(refused).toBeInstanceOf(RateLimitedError)
    expect((refused as RateLimitedError).retryAfter).toBe(1)
  })
})

describe('timeouts', () => {
  it('times a try out, and retries a read', async () => {
    const { verification_id } = await client().verifications.start({ channel: 'sms', to: newPhone() })
    proxy.plan('hang')
    const error = await client({ timeoutMs: 200 })
      .verifications.get(verification_id, { maxRetries: 0 })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ error: 'timeout', status: 0 })
    proxy.plan('hang')
    const view = await client().verifications.get(verification_id, { timeoutMs: 200 })
    expect(view.verification_id).toBe(verification_id)
  })

  it('a start that times out is retried with its key and still sends one SMS', async () => {
    const to = newPhone()
    proxy.plan('hang')
    const started = await client({ timeoutMs: 300 }).verifications.start({ channel: 'sms', to })
    expect(started.status).toBe('pending')
    expect(server.sentTo(to)).toBe(1)
  })
})
