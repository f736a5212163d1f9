import { createHmac, randomUUID } from 'node:crypto'
import { type Static, Type } from '@sinclair/typebox'
import { DeliveryError, defineDeliveryProvider } from '../delivery-provider.js'

const WebhookOptionsSchema = Type.Object({
  url: Type.String({ minLength: 1 }),
  /** `whsec_<base64>` as Standard Webhooks issues them, or any other string used as raw bytes. */
  secret: Type.String({ minLength: 1 }),
  timeoutMs: Type.Integer({ minimum: 100, default: 5000 }),
})

export function webhookSecretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8')
}

/** Standard Webhooks signature: `v1,` + base64(HMAC-SHA256(secret, "id.timestamp.body")). */
export function signWebhook(secret: Buffer, id: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${id}.${timestampSeconds}.${body}`).digest('base64')
  return `v1,${digest}`
}

/**
 * Hands each message to the operator's own endpoint (their SMS gateway, a
 * queue) as a signed JSON POST. Any non-2xx answer or a timeout is a failed
 * delivery.
 */
export const webhookProvider = defineDeliveryProvider<Static<typeof WebhookOptionsSchema> & { nowMs?: () => number }>({
  name: 'webhook',
  channels: ['sms', 'email'],
  optionsSchema: WebhookOptionsSchema,
  create(options) {
    const secret = webhookSecretBytes(options.secret)
    const now = options.nowMs ?? Date.now
    return {
      async send(message) {
        const body = JSON.stringify({
          to: message.to,
          body: message.text,
          verification_id: message.verificationId,
          channel: message.channel,
          ...(message.channel === 'email' ? { subject: message.subject, html: message.html } : {}),
        })
        const id = `msg_${randomUUID()}`
        const timestamp = Math.floor(now() / 1000)
        let response: Response
        try {
          response = await fetch(options.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'webhook-id': id,
              'webhook-timestamp': String(timestamp),
              'webhook-signature': signWebhook(secret, id, timestamp, body),
            },
            body,
            // A redirect would resend the signed message somewhere the operator did not configure.
            redirect: 'error',
            signal: AbortSignal.timeout(options.timeoutMs),
          })
        } catch (error) {
          throw new DeliveryError('webhook request failed or timed out', { cause: error })
        }
        // Drain the body so the connection returns to the pool.
        await response.arrayBuffer().catch(() => undefined)
        if (!response.ok) throw new DeliveryError(`webhook answered HTTP ${response.status}`)
        return { provider: 'webhook', providerMessageId: id }
      },
    }
  },
})
