import { type Static, Type } from '@sinclair/typebox'
import { defineDeliveryProvider } from '../delivery-provider.js'
import { twilioAccountSid, twilioAuthToken, twilioBaseUrl, twilioResource } from './twilio-account.js'
import { messageStatusCallback, twilioErrorKind } from './twilio-provider.js'

const TwilioWhatsappOptionsSchema = Type.Object(
  {
    account_sid: twilioAccountSid,
    auth_token: twilioAuthToken,
    from: Type.String({
      pattern: '^(whatsapp:)?\\+[1-9][0-9]{6,14}$',
      description: 'The WhatsApp sender: its E.164 number (`whatsapp:` is added when missing).',
    }),
    content_sid: Type.String({
      pattern: '^HX[0-9a-fA-F]{32}$',
      description:
        'Content template SID (HX…): an approved WhatsApp authentication template whose variable {{1}} is the code.',
    }),
    base_url: twilioBaseUrl(),
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
    const createMessage = twilioResource(options, 'Messages', {
      noun: 'WhatsApp message',
      sidOf: 'message',
      errorKind: twilioErrorKind,
    })
    return {
      async send(message, sendOptions) {
        const form = new URLSearchParams({
          To: whatsappAddress(message.to),
          From: whatsappAddress(options.from),
          ContentSid: options.content_sid,
          ContentVariables: JSON.stringify({ 1: message.values.code }),
          StatusCallback: sendOptions.statusCallbackUrl,
        })
        const created = await createMessage(form, sendOptions.signal)
        return { provider: 'twilio', providerMessageId: created.sid, status: 'queued' }
      },
    }
  },
  statusCallback: messageStatusCallback(),
})
