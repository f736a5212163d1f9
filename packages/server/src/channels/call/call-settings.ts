import { type Static, Type } from '@sinclair/typebox'
import { ChannelSettingsSchema } from '../channel-settings.js'
import { phoneLimitsSchema, phonePolicySchema } from '../sms/sms-settings.js'

/**
 * A call reaches a phone number, landlines too: the pumping guard's policy of its own (`channels.call.*`).
 * International revenue share fraud is mostly calls to premium ranges, so premium-rate and shared-cost numbers
 * are refused by default, as for SMS.
 */
export const CallSettingsSchema = Type.Composite([ChannelSettingsSchema, phonePolicySchema('calls')], {
  additionalProperties: false,
})

export type CallSettings = Static<typeof CallSettingsSchema>

/** Velocity limits of calls per destination country and number range. */
export const CallLimitsSchema = phoneLimitsSchema('call', 'Calls')

/** One call script of the app: `text` with {code} (read out character by character), {app_name}, {minutes}. */
export const CallTemplateSchema = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
)
