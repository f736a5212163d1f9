import { type Static, Type } from '@sinclair/typebox'
import { DeliveryError, type DeliveryStatus, defineDeliveryProvider, type SpokenMessage } from '../delivery-provider.js'
import { digitsOnly, field, providerRequest } from '../provider-http.js'
import { isValidVonageWebhookJwt, vonageApplicationJwt } from './vonage-voice-jwt.js'

const VonageVoiceOptionsSchema = Type.Object(
  {
    application_id: Type.String({
      pattern: '^[0-9a-fA-F-]{36}$',
      description: 'ID of the Vonage application with Voice enabled (a UUID).',
    }),
    private_key: Type.String({
      pattern: '-----BEGIN (RSA )?PRIVATE KEY-----',
      secret: true,
      description: 'The application’s private key (PEM): signs each request’s JWT (RS256).',
    }),
    from: Type.String({
      pattern: '^\\+?[1-9][0-9]{6,14}$',
      description: 'The calling number: a number linked to the application (E.164).',
    }),
    signature_secret: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        description:
          'The account’s signature secret: event webhooks are signed with it (JWT, HS256); without it they are refused.',
      }),
    ),
    base_url: Type.String({ pattern: '^https?://', default: 'https://api.nexmo.com' }),
  },
  { additionalProperties: false },
)

type VonageVoiceOptions = Static<typeof VonageVoiceOptionsSchema>

/** Vonage names a few voices differently from the locale files' BCP 47 tags. */
const VONAGE_LANGUAGE: Readonly<Record<string, string>> = { 'zh-CN': 'cmn-CN', 'zh-TW': 'cmn-TW', 'ar-XA': 'ar' }

function escapeSsml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`)
}

/** The call's NCCO: one `talk` action, the script in SSML (a `<break>` for each pause). */
export function ncco(speech: SpokenMessage): unknown[] {
  const ssml = speech.steps
    .map((step) => ('say' in step ? escapeSsml(step.say) : `<break time="${Math.round(step.pauseSeconds * 1000)}ms"/>`))
    .join(' ')
  return [
    {
      action: 'talk',
      text: `<speak>${ssml}</speak>`,
      language: VONAGE_LANGUAGE[speech.language] ?? speech.language,
    },
  ]
}

/** Voice event `status` onto Tessera's: a completed call was answered and heard. */
function statusOf(vonageStatus: string | undefined): DeliveryStatus | undefined {
  switch (vonageStatus) {
    case 'started':
    case 'ringing':
      return 'queued'
    case 'answered':
    case 'machine':
      return 'sent'
    case 'completed':
      return 'delivered'
    case 'busy':
    case 'timeout':
    case 'unanswered':
    case 'rejected':
    case 'cancelled':
      return 'undelivered'
    case 'failed':
      return 'failed'
    default:
      return undefined
  }
}

/**
 * Vonage Voice API: POST {base_url}/v1/calls with a JWT of the application (RS256), the callee, the caller and
 * an NCCO `talk` action in the message's voice language; call events come to /v1/providers/vonage/status
 * (`event_url`), as signed webhooks (a JWT with the body's SHA-256, HS256 with the signature secret).
 */
export const vonageVoiceProvider = defineDeliveryProvider<VonageVoiceOptions>({
  name: 'vonage',
  channels: ['call'],
  optionsSchema: VonageVoiceOptionsSchema,
  create(options, deps) {
    const endpoint = `${options.base_url.replace(/\/+$/, '')}/v1/calls`
    return {
      async send(message, sendOptions) {
        if (!message.speech) throw new DeliveryError('a call needs a spoken message', { kind: 'rejected' })
        let jwt: string
        try {
          jwt = await vonageApplicationJwt(options.application_id, options.private_key, deps.nowMs())
        } catch (error) {
          throw new DeliveryError('the Vonage private key cannot sign', {
            kind: 'rejected',
            code: 'bad_key',
            cause: error,
          })
        }
        const response = await providerRequest(endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({
            to: [{ type: 'phone', number: digitsOnly(message.to) }],
            from: { type: 'phone', number: digitsOnly(options.from) },
            ncco: ncco(message.speech),
            event_url: [sendOptions.statusCallbackUrl],
            event_method: 'POST',
          }),
          signal: sendOptions.signal,
        })
        if (response.status === 200 || response.status === 201) {
          const uuid = field(response.json, 'uuid')
          if (!uuid) throw new DeliveryError('Vonage answered without a call uuid', { code: 'bad_response' })
          return { provider: 'vonage', providerMessageId: uuid, status: 'queued' }
        }
        const invalidTo = JSON.stringify(response.json ?? '').includes('"to')
        throw new DeliveryError(`Vonage refused the call (HTTP ${response.status})`, {
          kind:
            response.status === 429 || response.status >= 500
              ? 'unavailable'
              : response.status === 400 && invalidTo
                ? 'invalid_recipient'
                : 'rejected',
          code: `http_${response.status}`,
        })
      },
    }
  },
  statusCallback: {
    messageIdOf: (request) => request.params.uuid,
    verify(request, options, nowMs) {
      // Unsigned events are refused: without a signature secret anyone could forge "completed".
      if (!options.signature_secret) return false
      const claims = isValidVonageWebhookJwt(
        request.headers.authorization,
        request.rawBody,
        options.signature_secret,
        nowMs,
      )
      if (!claims) return false
      return claims.application_id === undefined || claims.application_id === options.application_id
    },
    parse(request) {
      const providerMessageId = request.params.uuid
      const status = statusOf(request.params.status)
      if (!providerMessageId || !status) return undefined
      return { providerMessageId, status, errorCode: status === 'delivered' ? undefined : request.params.status }
    },
  },
})
