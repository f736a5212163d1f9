import { type Static, Type } from '@sinclair/typebox'
import {
  DeliveryError,
  type DeliveryErrorKind,
  type DeliveryStatus,
  defineDeliveryProvider,
  type SpokenMessage,
} from '../delivery-provider.js'
import {
  isSignedByTwilioAccount,
  twilioAccountSid,
  twilioAuthToken,
  twilioBaseUrl,
  twilioResource,
} from './twilio-account.js'
import { twilioErrorKind } from './twilio-provider.js'

const TwilioCallOptionsSchema = Type.Object(
  {
    account_sid: twilioAccountSid,
    auth_token: twilioAuthToken,
    from: Type.String({
      pattern: '^\\+[1-9][0-9]{6,14}$',
      description: 'The calling number: a Twilio number or a verified caller ID (E.164).',
    }),
    base_url: twilioBaseUrl(),
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
    const createCall = twilioResource(options, 'Calls', { noun: 'call', sidOf: 'call', errorKind })
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
        const created = await createCall(form, sendOptions.signal)
        return { provider: 'twilio', providerMessageId: created.sid, status: 'queued' }
      },
    }
  },
  statusCallback: {
    messageIdOf: (request) => request.params.CallSid,
    verify: (request, options) => isSignedByTwilioAccount(request, options),
    parse(request) {
      const providerMessageId = request.params.CallSid
      const status = statusOf(request.params.CallStatus)
      if (!providerMessageId || !status) return undefined
      const errorCode = request.params.ErrorCode
      return { providerMessageId, status, errorCode: errorCode ? errorCode : undefined }
    },
  },
})
