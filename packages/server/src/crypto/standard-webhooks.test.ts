import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { generateWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './standard-webhooks.js'

// The standardwebhooks package is the independent implementation: each side must accept the other's work.
describe('Standard Webhooks signing', () => {
  const body = JSON.stringify({ type: 'verification.approved', timestamp: '2026-01-01T00:00:00.000Z', data: {} })
  const now = Math.floor(Date.now() / 1000)

  it('makes signatures the standardwebhooks package verifies, with one or two secrets', () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()]
    const headers = webhookHeaders([current, previous], 'evt_1', now, body)
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2)
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body))
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body))
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow()
    expect(() => new Webhook(current).verify(`${body} `, headers)).toThrow()
  })

  it('verifies what the standardwebhooks package signs, and refuses a changed body, id or stale timestamp', () => {
    const secret = generateWebhookSecret()
    const signature = new Webhook(secret).sign('evt_2', new Date(now * 1000), body)
    expect(signature).toBe(signWebhook(secret, 'evt_2', now, body))
    const headers = { id: 'evt_2', timestamp: String(now), signature }
    expect(verifyWebhook(secret, headers, body, { nowSeconds: now })).toBe(true)
    expect(verifyWebhook(secret, headers, `${body} `, { nowSeconds: now })).toBe(false)
    expect(verifyWebhook(secret, { ...headers, id: 'evt_3' }, body, { nowSeconds: now })).toBe(false)
    expect(verifyWebhook(secret, headers, body, { nowSeconds: now + 301 })).toBe(false)
    expect(verifyWebhook(secret, { ...headers, signature: 'v1,AAAA' }, body, { nowSeconds: now })).toBe(false)
  })
})
