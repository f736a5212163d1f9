import { type Static, Type } from '@sinclair/typebox'
import { ChannelSettingsSchema } from '../channel-settings.js'
import { LimitSchema } from '../limit-schema.js'

/**
 * The pumping guard's policy, for every channel that reaches a phone number (SMS, WhatsApp, calls): where
 * messages may go, which number types are refused, and the conversion guard. `what` names the messages in the
 * descriptions ("SMS", "calls").
 */
export function phonePolicySchema(what: string) {
  return Type.Object({
    allowed_countries: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), {
      default: [],
      uniqueItems: true,
      description: `ISO 3166-1 alpha-2 codes ${what} may go to; empty allows all.`,
    }),
    blocked_countries: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), {
      default: [],
      uniqueItems: true,
      description: `ISO 3166-1 alpha-2 codes ${what} never go to.`,
    }),
    blocked_prefixes: Type.Array(Type.String({ pattern: '^\\+[0-9]{1,8}$' }), {
      default: ['+870', '+808', '+881', '+882', '+883', '+979'],
      uniqueItems: true,
      description: `E.164 prefixes ${what} never go to: by default satellite, international-network and international premium/shared-cost ranges, the usual targets of SMS pumping and of international revenue share fraud.`,
    }),
    blocked_number_types: Type.Array(
      Type.Union(
        [
          'PREMIUM_RATE',
          'SHARED_COST',
          'TOLL_FREE',
          'PAGER',
          'UAN',
          'VOICEMAIL',
          'VOIP',
          'PERSONAL_NUMBER',
          'FIXED_LINE',
        ].map((type) => Type.Literal(type)),
      ),
      {
        default: ['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'PAGER', 'UAN', 'VOICEMAIL'],
        uniqueItems: true,
        description:
          'Number types (as libphonenumber classifies them) that cannot or should not receive codes; add VOIP to refuse virtual numbers.',
      },
    ),
    conversion_guard: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        window_seconds: Type.Integer({ minimum: 60, maximum: 86_400, default: 3600 }),
        min_sends: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 50,
          description: 'Sends to a country before its rate is judged.',
        }),
        min_conversion_rate: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0.2,
          description: 'Approvals ÷ sends below which the country is throttled.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  })
}

/** The SMS channel adds the pumping guard (see docs/security.md for the defaults' reasons). */
export const SmsSettingsSchema = Type.Composite([ChannelSettingsSchema, phonePolicySchema('SMS')], {
  additionalProperties: false,
})
export type SmsSettings = Static<typeof SmsSettingsSchema>

/**
 * A phone channel's velocity limits under `settings.limits` (`<channel>_sends_per_country`, `…_per_prefix`):
 * pumping concentrates on a few countries and number ranges.
 */
export function phoneLimitsSchema<C extends string>(
  channel: C,
  what: string,
): Record<`${C}_sends_per_country` | `${C}_sends_per_prefix`, ReturnType<typeof LimitSchema>> {
  return {
    [`${channel}_sends_per_country`]: LimitSchema(1000, 3600, `${what} to one destination country.`),
    [`${channel}_sends_per_prefix`]: LimitSchema(
      100,
      3600,
      `${what} to one number prefix (country code and the next four digits).`,
    ),
  } as Record<`${C}_sends_per_country` | `${C}_sends_per_prefix`, ReturnType<typeof LimitSchema>>
}

/** The SMS velocity limits under `settings.limits`. */
export const SmsLimitsSchema = {
  sms_sends_per_country: LimitSchema(1000, 3600, 'SMS to one destination country.'),
  sms_sends_per_prefix: LimitSchema(100, 3600, 'SMS to one number prefix (country code and the next four digits).'),
}

/** One SMS template: `text` with {code}, {app_name}, {minutes}. */
export const SmsTemplateSchema = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 1600 }) },
  { additionalProperties: false },
)
