import { type Static, Type } from '@sinclair/typebox'
import {
  DeliveryError,
  type DeliveryErrorKind,
  type DeliveryStatus,
  defineDeliveryProvider,
  type SpokenMessage,
} from '../delivery-provider.js'
import { field, providerRequest } from '../provider-http.js'
import { twilioErrorKind } from './twilio-provider.js'
import { isValidTwilioSignature } from './twilio-signature.js'

const TwilioCallOptionsSchema = Type.Object(
  {
    account_sid: Type.String({ pattern: '^AC[0-9a-fA-F]{32}$', description: 'Account SID (AC…).' }),
    auth_token: Type.String({ minLength: 8, secret: true, description: 'Auth token; also signs status callbacks.' }),
    from: Type.String({
      pattern: '^\\+[1-9][0-9]{6,14}$',
      description: 'The calling number: a Twilio number or a verified caller ID (E.164).',
    }),
    base_url: Type.String({
      pattern: '^https?://',
      default: 'https://api.twilio.com',
      description: 'API endpoint (a regional edge, a proxy, a test server).',
    }),
  },
  { additionalProperties: false },
)

type TwilioCallOptions = Static<typeof TwilioCallOptionsSchema>

/**
 * Errors that mean this number cannot be called, whoever calls: 21211 invalid To, 21214 To cannot be reached,
 * 21215 geographic permission (Twilio: the account may not call there; another provider may), 13224 invalid
 * number, 21217 not a valid phone number.
 */
const INVALID_CALLEE = new Set(['21211', '21214', '13224', '21217'])

function errorKind(status: number, code: string | undefined): DeliveryErrorKind {
  if (code && INVALID_CALLEE.has(code)) return 'invalid_recipient'
  return twilioErrorKind(status, code) === 'invalid_recipient' ? 'rejected' : twilioErrorKind(status, code)
}

/** CallStatus onto Tessera's: a completed call was answered and heard; busy and no-answer reached no one. */
function statusOf(callStatus: string | undefined): DeliveryStatus | undefined {
  switch (callStatus) {
    case 'queued':
    case 'initiated':
    case 'ringing':
      return 'queued'
    case 'in-progress':
      return 'sent'
    case 'completed':
      return 'delivered'
    case 'busy':
    case 'no-answer':
      return 'undelivered'
    case 'failed':
    case 'canceled':
      return 'failed'
    default:
      return undefined
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`)
}

/** The call's TwiML: each step a `<Say>` in the message's voice language or a `<Pause>`. */
export function twiml(speech: SpokenMessage): string {
  const language = escapeXml(speech.language)
  const steps = speech.steps.map((step) =>
    'say' in step
      ? `<Say language="${language}">${escapeXml(step.say)}</Say>`
      : `<Pause length="${Math.max(1, Math.round(step.pauseSeconds))}"/>`,
  )
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${steps.join('')}</Response>`
}

/**
 * Twilio Programmable Voice: POST /2010-04-01/Accounts/{sid}/Calls.json (form-encoded, HTTP basic auth) with
 * the call's instructions inline (`Twiml`: `<Say language="…">` and `<Pause>`), and a `StatusCallback` that
 * Twilio signs with the auth token as for SMS (CallStatus: completed, busy, no-answer, failed).
 */
export const twilioCallProvider = defineDeliveryProvider<TwilioCallOptions>({
  name: 'twilio',
  channels: ['call'],
  optionsSchema: TwilioCallOptionsSchema,
  create(options) {
    const endpoint = `${options.base_url.replace(/\/+$/, '')}/2010-04-01/Accounts/${options.account_sid}/Calls.json`
    const authorization = `Basic ${Buffer.from(`${options.account_sid}:${options.auth_token}`).toString('base64')}`
    return {
      async send(message, sendOptions) {
        if (!message.speech) throw new DeliveryError('a call needs a spoken message', { kind: 'rejected' })
        const form = new URLSearchParams({
          To: message.to,
          From: options.from,
          Twiml: twiml(message.speech),
          StatusCallback: sendOptions.statusCallbackUrl,
          StatusCallbackMethod: 'POST',
        })
        const response = await providerRequest(endpoint, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
          signal: sendOptions.signal,
        })
        if (response.status === 200 || response.status === 201) {
          const sid = field(response.json, 'sid')
          if (!sid) throw new DeliveryError('Twilio answered without a call sid', { code: 'bad_response' })
          return { provider: 'twilio', providerMessageId: sid, status: 'queued' }
        }
        const code = field(response.json, 'code') ?? `http_${response.status}`
        throw new DeliveryError(`Twilio refused the call (HTTP ${response.status}, code ${code})`, {
          kind: errorKind(response.status, code),
          code,
        })
      },
    }
  },
  statusCallback: {
    messageIdOf: (request) => request.params.CallSid,
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
      const providerMessageId = request.params.CallSid
      const status = statusOf(request.params.CallStatus)
      if (!providerMessageId || !status) return undefined
      const errorCode = request.params.ErrorCode
      return { providerMessageId, status, errorCode: errorCode ? errorCode : undefined }
    },
  },
})
