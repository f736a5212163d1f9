import { type Static, Type } from '@sinclair/typebox'
import { DeliveryError, defineDeliveryProvider } from '../delivery-provider.js'
import { field, providerRequest } from '../provider-http.js'
import { messageStatusCallback, twilioErrorKind } from './twilio-provider.js'

const TwilioWhatsappOptionsSchema = Type.Object(
  {
    account_sid: Type.String({ pattern: '^AC[0-9a-fA-F]{32}$', description: 'Account SID (AC…).' }),
    auth_token: Type.String({ minLength: 8, secret: true, description: 'Auth token; also signs status callbacks.' }),
    from: Type.String({
      pattern: '^(whatsapp:)?\\+[1-9][0-9]{6,14}$',
      description: 'The WhatsApp sender: its E.164 number (`whatsapp:` is added when missing).',
    }),
    content_sid: Type.String({
      pattern: '^HX[0-9a-fA-F]{32}$',
      description:
        'Content template SID (HX…): an approved WhatsApp authentication template whose variable {{1}} is the code.',
    }),
    base_url: Type.String({
      pattern: '^https?://',
      default: 'https://api.twilio.com',
      description: 'API endpoint (a regional edge, a proxy, a test server).',
    }),
  },
  { additionalProperties: false },
)

type TwilioWhatsappOptions = Static<typeof TwilioWhatsappOptionsSchema>

const whatsappAddress = (number: string) => (number.startsWith('whatsapp:') ? number : `whatsapp:${number}`)

/**
 * Twilio's Messages API on WhatsApp: POST /2010-04-01/Accounts/{sid}/Messages.json with `whatsapp:+…`
 * addresses and a Content template (`ContentSid`, `ContentVariables` `{"1": code}`): WhatsApp only lets a
 * business start a conversation with an approved template. Receipts as for SMS (`MessageStatus`, signed with
 * the auth token; `read` counts as delivered).
 */
export const twilioWhatsappProvider = defineDeliveryProvider<TwilioWhatsappOptions>({
  name: 'twilio',
  channels: ['whatsapp'],
  optionsSchema: TwilioWhatsappOptionsSchema,
  create(options) {
    const endpoint = `${options.base_url.replace(/\/+$/, '')}/2010-04-01/Accounts/${options.account_sid}/Messages.json`
    const authorization = `Basic ${Buffer.from(`${options.account_sid}:${options.auth_token}`).toString('base64')}`
    return {
      async send(message, sendOptions) {
        const form = new URLSearchParams({
          To: whatsappAddress(message.to),
          From: whatsappAddress(options.from),
          ContentSid: options.content_sid,
          ContentVariables: JSON.stringify({ 1: message.values.code }),
          StatusCallback: sendOptions.statusCallbackUrl,
        })
        const response = await providerRequest(endpoint, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
          signal: sendOptions.signal,
        })
        if (response.status === 200 || response.status === 201) {
          const sid = field(response.json, 'sid')
          if (!sid) throw new DeliveryError('Twilio answered without a message sid', { code: 'bad_response' })
          return { provider: 'twilio', providerMessageId: sid, status: 'queued' }
        }
        const code = field(response.json, 'code') ?? `http_${response.status}`
        throw new DeliveryError(`Twilio refused the WhatsApp message (HTTP ${response.status}, code ${code})`, {
          kind: twilioErrorKind(response.status, code),
          code,
        })
      },
    }
  },
  statusCallback: messageStatusCallback(),
})
