import { type TObject, Type } from '@sinclair/typebox'

/**
 * One entry of a channel's provider chain: `type` names a registered delivery
 * provider; the other fields are that provider's, named as the provider
 * names them, checked against its schema when saved. `timeout_ms` bounds
 * each attempt.
 */
export const ProviderEntrySchema = Type.Object(
  {
    type: Type.String({ pattern: '^[a-z0-9-]{1,32}$', description: 'Registered provider name: twilio, vonage, …' }),
    timeout_ms: Type.Integer({
      minimum: 100,
      maximum: 30_000,
      default: 5000,
      description: 'How long one attempt may take before the next provider is tried.',
    }),
  },
  { additionalProperties: true },
)

/**
 * The policy every delivered-code channel shares (`settings.channels.<name>`): code shape, lifetime,
 * attempts, sends, the provider chain and its breaker. A channel's own settings are this plus its extras.
 */
export const ChannelSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Whether verifications may use this channel.' }),
    code_length: Type.Integer({ minimum: 4, maximum: 10, default: 6, description: 'Characters in a code.' }),
    code_alphabet: Type.Union([Type.Literal('digits'), Type.Literal('alphanumeric')], {
      default: 'digits',
      description: '`digits`, or `alphanumeric` (upper case, no ambiguous characters).',
    }),
    ttl_seconds: Type.Integer({
      minimum: 1,
      maximum: 86_400,
      default: 600,
      description: 'Lifetime of a code, seconds.',
    }),
    max_attempts: Type.Integer({
      minimum: 1,
      maximum: 20,
      default: 5,
      description: 'Checks allowed per verification.',
    }),
    max_sends: Type.Integer({
      minimum: 1,
      maximum: 20,
      default: 5,
      description: 'Codes sent per verification (first send included).',
    }),
    resend_cooldown_seconds: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 30,
      description: 'Wait between two sends of one verification, seconds.',
    }),
    providers: Type.Array(ProviderEntrySchema, {
      maxItems: 5,
      default: [],
      description:
        'Ordered provider chain: the first carries each message, the next ones take over when it errors or times out. Empty: the server’s default (environment). See docs/delivery.md.',
    }),
    fallback: Type.Optional(
      Type.Object(
        {
          channel: Type.String({
            pattern: '^[a-z0-9-]{1,32}$',
            description: 'The channel that takes over: another enabled channel reaching the same kind of identifier.',
          }),
          after_seconds: Type.Integer({
            minimum: 1,
            maximum: 3600,
            default: 20,
            description:
              'How long to wait for a delivered (or read) receipt before the fallback channel sends a new code, seconds.',
          }),
        },
        {
          additionalProperties: false,
          description:
            'When this channel’s message fails or is undelivered (by receipt), or no delivered receipt arrives in time, the same verification sends a new code by this channel. `null` removes it.',
        },
      ),
    ),
    circuit_breaker: Type.Object(
      {
        failure_threshold: Type.Integer({
          minimum: 1,
          maximum: 100,
          default: 3,
          description: 'Consecutive failures that take a provider out of the chain.',
        }),
        cooldown_seconds: Type.Integer({
          minimum: 1,
          maximum: 3600,
          default: 30,
          description: 'How long it stays out before one probe message may try it again.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
)

/** A channel's settings: the shared policy plus its own fields. */
export function channelSettingsWith<T extends TObject>(extra: T) {
  return Type.Composite([ChannelSettingsSchema, extra])
}
