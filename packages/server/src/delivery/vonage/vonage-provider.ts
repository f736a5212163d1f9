import { type Static, Type } from '@sinclair/typebox'
import {
  DeliveryError,
  type DeliveryErrorKind,
  type DeliveryStatus,
  defineDeliveryProvider,
} from '../delivery-provider.js'
import { digitsOnly, field, providerRequest } from '../provider-http.js'
import { smsSegments } from '../templates/sms-segments.js'
import { isValidVonageSignature } from './vonage-signature.js'

const VonageOptionsSchema = Type.Object(
  {
    api_key: Type.String({ minLength: 1, maxLength: 64 }),
    api_secret: Type.String({ minLength: 1, secret: true }),
    from: Type.String({ minLength: 1, maxLength: 32, description: 'Sender: a number or alphanumeric id.' }),
    signature_secret: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        description:
          'Signature secret of the account: required for delivery receipts, which Tessera only accepts signed.',
      }),
    ),
    signature_method: Type.Union(
      ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'].map((method) => Type.Literal(method)),
      { default: 'md5hash', description: 'The signing method chosen in the Vonage dashboard.' },
    ),
    base_url: Type.String({ pattern: '^https?://', default: 'https://rest.nexmo.com' }),
  },
  { additionalProperties: false },
)

type VonageOptions = Static<typeof VonageOptionsSchema> & {
  signature_method: 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512'
}

/**
 * SMS API status codes: https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms
 * 6 unroutable, 7 number barred, 22 invalid network, 33 number de-activated: no provider can fix those.
 */
function errorKind(status: string, errorText: string): DeliveryErrorKind {
  if (['6', '7', '22', '33'].includes(status)) return 'invalid_recipient'
  if (status === '3' && /\bto\b/i.test(errorText)) return 'invalid_recipient'
  if (['1', '5', '10'].includes(status)) return 'unavailable'
  return 'rejected'
}

/** Delivery receipt `status` values onto Tessera's (`accepted`/`buffered`: with the carrier). */
function statusOf(vonageStatus: string | undefined): DeliveryStatus | undefined {
  switch (vonageStatus) {
    case 'delivered':
      return 'delivered'
    case 'accepted':
    case 'buffered':
      return 'sent'
    case 'expired':
      return 'undelivered'
    case 'failed':
    case 'rejected':
      return 'failed'
    default:
      return undefined
  }
}

/**
 * Vonage SMS API: POST /sms/json (form-encoded) with the key and secret in the body,
 * `type: unicode` when the text needs UCS-2, and the status callback URL as
 * `callback`. Delivery receipts come back signed with the signature secret.
 */
export const vonageProvider = defineDeliveryProvider<VonageOptions>({
  name: 'vonage',
  channels: ['sms'],
  optionsSchema: VonageOptionsSchema,
  create(options) {
    const endpoint = `${options.base_url.replace(/\/+$/, '')}/sms/json`
    return {
      async send(message, sendOptions) {
        const response = await providerRequest(endpoint, {
          method: 'POST',
          // Form-encoded, as Vonage's reference shows it (JSON is accepted too).
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({
            api_key: options.api_key,
            api_secret: options.api_secret,
            from: options.from,
            to: digitsOnly(message.to),
            text: message.text,
            type: smsSegments(message.text).encoding === 'UCS-2' ? 'unicode' : 'text',
            callback: sendOptions.statusCallbackUrl,
            'client-ref': message.verificationId,
          }).toString(),
          signal: sendOptions.signal,
        })
        const first = (response.json as { messages?: unknown[] } | undefined)?.messages?.[0]
        if (response.status !== 200 || first === undefined) {
          throw new DeliveryError(`Vonage answered HTTP ${response.status}`, {
            kind: response.status === 429 || response.status >= 500 ? 'unavailable' : 'rejected',
            code: `http_${response.status}`,
          })
        }
        const status = field(first, 'status') ?? ''
        if (status !== '0') {
          throw new DeliveryError(`Vonage refused the message (status ${status})`, {
            kind: errorKind(status, field(first, 'error-text') ?? ''),
            code: status,
          })
        }
        return { provider: 'vonage', providerMessageId: field(first, 'message-id'), status: 'sent' }
      },
    }
  },
  statusCallback: {
    messageIdOf: (request) => request.params.messageId,
    verify(request, options, nowMs) {
      // Unsigned receipts are refused: without a signature secret anyone could forge "delivered".
      if (!options.signature_secret) return false
      if (request.params['api-key'] !== undefined && request.params['api-key'] !== options.api_key) return false
      return isValidVonageSignature(request.params, options.signature_secret, options.signature_method, nowMs)
    },
    parse(request) {
      const providerMessageId = request.params.messageId
      const status = statusOf(request.params.status)
      if (!providerMessageId || !status) return undefined
      const errorCode = request.params['err-code']
      return { providerMessageId, status, errorCode: errorCode && errorCode !== '0' ? errorCode : undefined }
    },
  },
})
