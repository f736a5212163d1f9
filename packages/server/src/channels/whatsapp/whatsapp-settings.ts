import { type Static, Type } from '@sinclair/typebox'
import { ChannelSettingsSchema } from '../channel-settings.js'
import { phoneLimitsSchema, phonePolicySchema } from '../sms/sms-settings.js'

/** WhatsApp reaches a phone number: the pumping guard's policy of its own (`channels.whatsapp.*`). */
export const WhatsappSettingsSchema = Type.Composite([ChannelSettingsSchema, phonePolicySchema('WhatsApp messages')], {
  additionalProperties: false,
})

export type WhatsappSettings = Static<typeof WhatsappSettingsSchema>

/** Velocity limits of WhatsApp sends per destination country and number range. */
export const WhatsappLimitsSchema = phoneLimitsSchema('whatsapp', 'WhatsApp messages')

/**
 * One WhatsApp template of the app: the text (for providers that send free text, the webhook) and, for the
 * Cloud API, the approved `authentication` template's name in this locale (else the provider's `template_name`).
 */
export const WhatsappTemplateSchema = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 1600 }),
    template_name: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9_]{1,512}$',
        description: 'Name of the approved WhatsApp authentication template for this locale (meta provider).',
      }),
    ),
  },
  { additionalProperties: false },
)
