import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/e2e/helpers/webhook-receiver.js'
import { createFetchWebhookSender } from './webhook-sender.js'

let receiver: WebhookReceiver
beforeEach(async () => {
  receiver = await startWebhookReceiver()
})
afterEach(async () => {
  await receiver.close()
})

describe('the webhook sender', () => {
  const send = createFetchWebhookSender('Tessera-Webhooks/1')

  it('posts the exact body with the given headers and answers the status and latency', async () => {
    receiver.status = 204
    const answer = await send({
      url: receiver.url,
      headers: { 'webhook-id': 'evt_1' },
      body: '{"a":1}',
      timeoutMs: 5000,
    })
    expect(answer).toMatchObject({ status: 204 })
    expect(answer.latencyMs).toBeGreaterThanOrEqual(0)
    expect(receiver.requests[0]).toMatchObject({ method: 'POST', rawBody: '{"a":1}' })
    expect(receiver.requests[0]?.headers).toMatchObject({ 'webhook-id': 'evt_1', 'content-type': 'application/json' })
  })

  it('answers a timeout when the endpoint holds its answer past the limit', async () => {
    receiver.delayMs = 2000
    const answer = await send({ url: receiver.url, headers: {}, body: '{}', timeoutMs: 200 })
    expect(answer).toMatchObject({ error: 'timeout' })
    expect(answer.status).toBeUndefined()
    expect(answer.latencyMs).toBeLessThan(1500)
  })

  it('answers the connection error when nothing listens', async () => {
    const url = receiver.url
    await receiver.close()
    receiver = await startWebhookReceiver()
    const answer = await send({ url, headers: {}, body: '{}', timeoutMs: 2000 })
    expect(answer.status).toBeUndefined()
    expect(answer.error).toBe('ECONNREFUSED')
  })
})

describe('a try aborted by shutdown', () => {
  it('ends at once, answering aborted', async () => {
    const receiver = await startWebhookReceiver()
    receiver.delayMs = 5000
    const controller = new AbortController()
    const send = createFetchWebhookSender('Tessera-Webhooks/1')
    const pending = send({ url: receiver.url, headers: {}, body: '{}', timeoutMs: 10_000, signal: controller.signal })
    await receiver.nextRequest()
    controller.abort()
    expect(await pending).toMatchObject({ error: 'aborted' })
    await receiver.close()
  })
})
