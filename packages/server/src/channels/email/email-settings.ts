import { Type } from '@sinclair/typebox'
import { ChannelSettingsSchema } from '../channel-settings.js'

/** Email takes the shared channel policy as it is. */
export const EmailSettingsSchema = ChannelSettingsSchema

/** One email template; without `html`, the HTML part is the text, escaped, in Tessera's layout. */
export const EmailTemplateSchema = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 200 }),
    text: Type.String({ minLength: 1, maxLength: 10_000 }),
    html: Type.Optional(Type.String({ minLength: 1, maxLength: 100_000 })),
  },
  { additionalProperties: false },
)
