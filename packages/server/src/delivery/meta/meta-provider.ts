import { type Static, Type } from '@sinclair/typebox'
import { constantTimeEqual } from '../../crypto/secrets.js'
import {
  type CallbackRequest,
  DeliveryError,
  type DeliveryErrorKind,
  type DeliveryStatus,
  defineDeliveryProvider,
  type StatusReport,
} from '../delivery-provider.js'
import { digitsOnly, field, providerRequest } from '../provider-http.js'
import { isValidMetaSignature } from './meta-signature.js'

/** The Graph API version requests go to unless the entry names another. */
export const META_DEFAULT_API_VERSION = 'v23.0'

const MetaOptionsSchema = Type.Object(
  {
    phone_number_id: Type.String({
      pattern: '^[0-9]{1,32}$',
      description: 'ID of the WhatsApp Business phone number that sends (not the number itself).',
    }),
    access_token: Type.String({
      minLength: 1,
      secret: true,
      description: 'A system user access token with whatsapp_business_messaging.',
    }),
    app_secret: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        description:
          'The Meta app’s secret: signs the delivery receipts (X-Hub-Signature-256); without it receipts are refused.',
      }),
    ),
    verify_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'The token you typed in the app’s webhook settings: Tessera answers the GET handshake with it.',
      }),
    ),
    template_name: Type.String({
      pattern: '^[a-z0-9_]{1,512}$',
      description: 'Name of the approved `authentication` template with a copy-code button.',
    }),
    template_languages: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$' }), Type.String(), {
        description:
          'The template’s language code per Tessera locale (`{"pt-BR": "pt_BR", "en": "en_US"}`); by default the locale with `_` (`pt_BR`, `en`).',
      }),
    ),
    api_version: Type.String({
      pattern: '^v[0-9]{1,3}\\.[0-9]{1,2}$',
      default: META_DEFAULT_API_VERSION,
      description: 'Graph API version.',
    }),
    base_url: Type.String({
      pattern: '^https?://',
      default: 'https://graph.facebook.com',
      description: 'API endpoint (a proxy, a test server).',
    }),
  },
  { additionalProperties: false },
)

type MetaOptions = Static<typeof MetaOptionsSchema>

/**
 * Cloud API error codes: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 * 131026 undeliverable (not on WhatsApp, old client), 131021 recipient is the sender, 131030 not in the test
 * allow-list: no provider will reach this number. 131056 too many messages to one number; 130429, 131048
 * and 4/80007 throughput or spam limits; 1/2/131000/131016 temporary errors.
 */
const INVALID_RECIPIENT = new Set(['131026', '131021', '131030'])
const UNAVAILABLE = new Set(['1', '2', '4', '80007', '130429', '131000', '131016', '131048'])

function errorKind(status: number, code: string | undefined): DeliveryErrorKind {
  if (code && INVALID_RECIPIENT.has(code)) return 'invalid_recipient'
  if (code === '131056') return 'recipient_limited'
  if (status === 429 || status >= 500 || (code && UNAVAILABLE.has(code))) return 'unavailable'
  return 'rejected'
}

/** Webhook `statuses[].status` onto Tessera's (`read` is past `delivered`). */
function statusOf(metaStatus: unknown): DeliveryStatus | undefined {
  switch (metaStatus) {
    case 'sent':
      return 'sent'
    case 'delivered':
    case 'read':
      return 'delivered'
    case 'failed':
      return 'failed'
    default:
      return undefined
  }
}

/** The template's language code for the message's locale: the entry's mapping, else the locale with `_`. */
function templateLanguage(options: MetaOptions, locale: string): string {
  return options.template_languages?.[locale] ?? locale.replaceAll('-', '_')
}

interface MetaStatus {
  readonly id?: unknown
  readonly status?: unknown
  readonly errors?: ReadonlyArray<{ readonly code?: unknown }>
}

interface MetaChangeValue {
  readonly metadata?: { readonly phone_number_id?: unknown }
  readonly statuses?: readonly MetaStatus[]
}

/** Every `entry[].changes[].value` of a webhook body, or none when it is not one. */
function changeValues(request: CallbackRequest): MetaChangeValue[] {
  let body: unknown
  try {
    body = JSON.parse(request.rawBody)
  } catch {
    return []
  }
  const entries = (body as { entry?: unknown } | null)?.entry
  if (!Array.isArray(entries)) return []
  const values: MetaChangeValue[] = []
  for (const entry of entries) {
    const changes = (entry as { changes?: unknown } | null)?.changes
    if (!Array.isArray(changes)) continue
    for (const change of changes) {
      const value = (change as { value?: unknown } | null)?.value
      if (typeof value === 'object' && value !== null) values.push(value as MetaChangeValue)
    }
  }
  return values
}

function reportsOf(request: CallbackRequest): StatusReport[] {
  const reports: StatusReport[] = []
  for (const value of changeValues(request)) {
    for (const item of Array.isArray(value.statuses) ? value.statuses : []) {
      const status = statusOf(item?.status)
      if (typeof item?.id !== 'string' || !status) continue
      const code = Array.isArray(item.errors) ? item.errors[0]?.code : undefined
      reports.push({
        providerMessageId: item.id,
        status,
        errorCode: typeof code === 'number' || typeof code === 'string' ? String(code) : undefined,
      })
    }
  }
  return reports
}

/**
 * WhatsApp Business Cloud API: POST {base_url}/{api_version}/{phone_number_id}/messages with a Bearer token,
 * sending the app's approved `authentication` template: the code as the body's parameter and as the copy-code
 * button's. Receipts come to /v1/providers/meta/status as the app's webhook (`statuses`: sent, delivered, read,
 * failed), signed with X-Hub-Signature-256; the subscription handshake (GET with `hub.mode`, `hub.verify_token`,
 * `hub.challenge`) is answered at the same URL.
 */
export const metaProvider = defineDeliveryProvider<MetaOptions>({
  name: 'meta',
  channels: ['whatsapp'],
  optionsSchema: MetaOptionsSchema,
  create(options) {
    const endpoint = `${options.base_url.replace(/\/+$/, '')}/${options.api_version}/${options.phone_number_id}/messages`
    const authorization = `Bearer ${options.access_token}`
    return {
      async send(message, sendOptions) {
        const code = message.values.code
        const body = {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: digitsOnly(message.to),
          type: 'template',
          template: {
            name: message.template?.template_name ?? options.template_name,
            language: { code: templateLanguage(options, message.locale) },
            components: [
              { type: 'body', parameters: [{ type: 'text', text: code }] },
              // The copy-code button of an authentication template is a `url` button taking the code.
              { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: code }] },
            ],
          },
        }
        const response = await providerRequest(endpoint, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: sendOptions.signal,
        })
        if (response.status === 200 || response.status === 201) {
          const messages = (response.json as { messages?: unknown[] } | undefined)?.messages
          const id = field(messages?.[0], 'id')
          if (!id) throw new DeliveryError('Meta answered without a message id', { code: 'bad_response' })
          return { provider: 'meta', providerMessageId: id, status: 'queued' }
        }
        const error = (response.json as { error?: unknown } | undefined)?.error
        const errorCode = field(error, 'code') ?? `http_${response.status}`
        throw new DeliveryError(`Meta refused the message (HTTP ${response.status}, code ${errorCode})`, {
          kind: errorKind(response.status, field(error, 'code')),
          code: errorCode,
        })
      },
    }
  },
  statusCallback: {
    messageIdOf: (request) => reportsOf(request)[0]?.providerMessageId,
    verify(request, options) {
      // Unsigned receipts are refused: without the app secret anyone could forge "delivered".
      if (!options.app_secret) return false
      if (!isValidMetaSignature(options.app_secret, request.rawBody, request.headers['x-hub-signature-256'])) {
        return false
      }
      // Signed by this Meta app, and about this entry's phone number (one app may serve several numbers).
      return changeValues(request).every((value) => {
        const sender = value.metadata?.phone_number_id
        return sender === undefined || String(sender) === options.phone_number_id
      })
    },
    parse: (request) => reportsOf(request)[0],
    parseAll: reportsOf,
    handshake(request, options) {
      const mode = request.params['hub.mode']
      if (request.method !== 'GET' || mode === undefined) return undefined
      const token = request.params['hub.verify_token']
      const challenge = request.params['hub.challenge']
      if (mode !== 'subscribe' || !options.verify_token || token === undefined || challenge === undefined) return false
      return constantTimeEqual(token, options.verify_token) ? challenge : false
    },
  },
})
