import { createHmac, randomUUID } from 'node:crypto'
import { type Static, Type } from '@sinclair/typebox'
import { DeliveryError, defineDeliveryProvider } from '../delivery-provider.js'

const WebhookOptionsSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: 'Endpoint that receives each message as signed JSON.' }),
    secret: Type.String({
      minLength: 16,
      secret: true,
      description:
        '`whsec_<base64>` as Standard Webhooks issues them, or any other string (≥16 chars) used as raw bytes.',
    }),
  },
  { additionalProperties: false },
)

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
  channels: ['sms', 'email', 'whatsapp', 'call'],
  optionsSchema: WebhookOptionsSchema,
  create(options) {
    const secret = webhookSecretBytes(options.secret)
    const now = options.nowMs ?? Date.now
    return {
      async send(message, sendOptions) {
        const body = JSON.stringify({
          to: message.to,
          body: message.text,
          verification_id: message.verificationId,
          channel: message.channel,
          ...(message.channel === 'email' ? { subject: message.subject, html: message.html } : {}),
          // A call: the text to speak (the code character by character, twice) and the voice's language.
          ...(message.speech ? { body: message.speech.text, language: message.speech.language } : {}),
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
            signal: sendOptions.signal,
          })
        } catch (error) {
          const timedOut = sendOptions.signal.aborted
          throw new DeliveryError(timedOut ? 'webhook did not answer in time' : 'webhook request failed', {
            code: timedOut ? 'timeout' : 'network',
            cause: error,
          })
        }
        // Drain the body so the connection returns to the pool.
        await response.arrayBuffer().catch(() => undefined)
        if (!response.ok) {
          // 422: the operator's gateway says this recipient cannot be reached; another provider will not do better.
          throw new DeliveryError(`webhook answered HTTP ${response.status}`, {
            kind: response.status === 422 ? 'invalid_recipient' : 'unavailable',
            code: `http_${response.status}`,
          })
        }
        return { provider: 'webhook', providerMessageId: id, status: 'sent' }
      },
    }
  },
})
