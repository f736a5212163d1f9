import { type Static, Type } from '@sinclair/typebox'
import {
  DeliveryError,
  type DeliveryErrorKind,
  type DeliveryStatus,
  defineDeliveryProvider,
  type StatusCallbackHandler,
} from '../delivery-provider.js'
import { field, providerRequest } from '../provider-http.js'
import { isValidTwilioSignature } from './twilio-signature.js'

const TwilioOptionsSchema = Type.Object(
  {
    account_sid: Type.String({ pattern: '^AC[0-9a-fA-F]{32}$', description: 'Account SID (AC…).' }),
    auth_token: Type.String({ minLength: 8, secret: true, description: 'Auth token; also signs status callbacks.' }),
    from: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'Sender: an E.164 number or alphanumeric id.' }),
    ),
    messaging_service_sid: Type.Optional(
      Type.String({ pattern: '^MG[0-9a-fA-F]{32}$', description: 'Messaging Service SID (MG…), instead of from.' }),
    ),
    base_url: Type.String({
      pattern: '^https?://',
      default: 'https://api.twilio.com',
      description: 'API endpoint (a regional edge such as https://api.dublin.ie1.twilio.com, a proxy, a test server).',
    }),
  },
  { additionalProperties: false },
)

type TwilioOptions = Static<typeof TwilioOptionsSchema>

/**
 * Error codes that mean this number cannot get an SMS, whoever sends it:
 * invalid number, not a mobile number, unsubscribed (STOP), unreachable.
 * https://www.twilio.com/docs/api/errors
 */
const INVALID_RECIPIENT = new Set(['21211', '21614', '21610', '21612', '21217', '21401'])

export function twilioErrorKind(status: number, code: string | undefined): DeliveryErrorKind {
  if (code && INVALID_RECIPIENT.has(code)) return 'invalid_recipient'
  if (status === 429 || code === '20429' || status >= 500) return 'unavailable'
  return 'rejected'
}

/** Twilio's MessageStatus values onto Tessera's (`read`: WhatsApp's blue ticks, past delivered). */
function statusOf(twilioStatus: string | undefined): DeliveryStatus | undefined {
  switch (twilioStatus) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
    case 'sending':
      return 'queued'
    case 'sent':
      return 'sent'
    case 'delivered':
    case 'read':
      return 'delivered'
    case 'undelivered':
      return 'undelivered'
    case 'failed':
    case 'canceled':
      return 'failed'
    default:
      return undefined
  }
}

/**
 * Twilio Programmable Messaging: POST /2010-04-01/Accounts/{sid}/Messages.json
 * (form-encoded, HTTP basic auth), with `From` or `MessagingServiceSid` and a
 * `StatusCallback` that Twilio signs with the auth token.
 */
export const twilioProvider = defineDeliveryProvider<TwilioOptions>({
  name: 'twilio',
  channels: ['sms'],
  optionsSchema: TwilioOptionsSchema,
  validate(options) {
    if ((options.from === undefined) === (options.messaging_service_sid === undefined)) {
      return 'set exactly one of from and messaging_service_sid'
    }
    return undefined
  },
  create(options) {
    const endpoint = `${options.base_url.replace(/\/+$/, '')}/2010-04-01/Accounts/${options.account_sid}/Messages.json`
    const authorization = `Basic ${Buffer.from(`${options.account_sid}:${options.auth_token}`).toString('base64')}`
    return {
      async send(message, sendOptions) {
        const form = new URLSearchParams({ To: message.to, Body: message.text })
        if (options.messaging_service_sid) form.set('MessagingServiceSid', options.messaging_service_sid)
        else if (options.from) form.set('From', options.from)
        form.set('StatusCallback', sendOptions.statusCallbackUrl)
        const response = await providerRequest(endpoint, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
          signal: sendOptions.signal,
        })
        if (response.status === 200 || response.status === 201) {
          const sid = field(response.json, 'sid')
          if (!sid) throw new DeliveryError('Twilio answered without a message sid', { code: 'bad_response' })
          return {
            provider: 'twilio',
            providerMessageId: sid,
            status: statusOf(field(response.json, 'status')) ?? 'queued',
          }
        }
        const code = field(response.json, 'code') ?? `http_${response.status}`
        throw new DeliveryError(`Twilio refused the message (HTTP ${response.status}, code ${code})`, {
          kind: twilioErrorKind(response.status, code),
          code,
        })
      },
    }
  },
  statusCallback: messageStatusCallback(),
})

/**
 * Receipts of the Messages API (SMS and WhatsApp alike): `MessageSid` and `MessageStatus`, signed with the auth
 * token of the account that sent the message.
 */
export function messageStatusCallback<
  Options extends { account_sid: string; auth_token: string },
>(): StatusCallbackHandler<Options> {
  return {
    messageIdOf: (request) => request.params.MessageSid ?? request.params.SmsSid,
    verify(request, options) {
      if (request.params.AccountSid !== undefined && request.params.AccountSid !== options.account_sid) return false
      return isValidTwilioSignature(
        options.auth_token,
        request.url,
        request.params,
        request.headers['x-twilio-signature'],
      )
    },
    parse(request) {
      const providerMessageId = request.params.MessageSid ?? request.params.SmsSid
      const status = statusOf(request.params.MessageStatus ?? request.params.SmsStatus)
      if (!providerMessageId || !status) return undefined
      const errorCode = request.params.ErrorCode
      return { providerMessageId, status, errorCode: errorCode ? errorCode : undefined }
    },
  }
}
