import { type Static, Type } from '@sinclair/typebox'
import {
  type DeliveryErrorKind,
  type DeliveryStatus,
  defineDeliveryProvider,
  type StatusCallbackHandler,
} from '../delivery-provider.js'
import { field } from '../provider-http.js'
import {
  isSignedByTwilioAccount,
  type TwilioAccount,
  twilioAccountSid,
  twilioAuthToken,
  twilioBaseUrl,
  twilioResource,
} from './twilio-account.js'

const TwilioOptionsSchema = Type.Object(
  {
    account_sid: twilioAccountSid,
    auth_token: twilioAuthToken,
    from: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'Sender: an E.164 number or alphanumeric id.' }),
    ),
    messaging_service_sid: Type.Optional(
      Type.String({ pattern: '^MG[0-9a-fA-F]{32}$', description: 'Messaging Service SID (MG…), instead of from.' }),
    ),
    base_url: twilioBaseUrl(
      'API endpoint (a regional edge such as https://api.dublin.ie1.twilio.com, a proxy, a test server).',
    ),
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
    const createMessage = twilioResource(options, 'Messages', {
      noun: 'message',
      sidOf: 'message',
      errorKind: twilioErrorKind,
    })
    return {
      async send(message, sendOptions) {
        const form = new URLSearchParams({ To: message.to, Body: message.text })
        if (options.messaging_service_sid) form.set('MessagingServiceSid', options.messaging_service_sid)
        else if (options.from) form.set('From', options.from)
        form.set('StatusCallback', sendOptions.statusCallbackUrl)
        const created = await createMessage(form, sendOptions.signal)
        return {
          provider: 'twilio',
          providerMessageId: created.sid,
          status: statusOf(field(created.json, 'status')) ?? 'queued',
        }
      },
    }
  },
  statusCallback: messageStatusCallback(),
})

/**
 * Receipts of the Messages API (SMS and WhatsApp alike): `MessageSid` and `MessageStatus`, signed with the auth
 * token of the account that sent the message.
 */
export function messageStatusCallback<Options extends TwilioAccount>(): StatusCallbackHandler<Options> {
  return {
    messageIdOf: (request) => request.params.MessageSid ?? request.params.SmsSid,
    verify: (request, options) => isSignedByTwilioAccount(request, options),
    parse(request) {
      const providerMessageId = request.params.MessageSid ?? request.params.SmsSid
      const status = statusOf(request.params.MessageStatus ?? request.params.SmsStatus)
      if (!providerMessageId || !status) return undefined
      const errorCode = request.params.ErrorCode
      return { providerMessageId, status, errorCode: errorCode ? errorCode : undefined }
    },
  }
}
