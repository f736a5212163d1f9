import { type Static, type TObject, type TRecord, type TSchema, type TString, Type } from '@sinclair/typebox'
import type { ChannelName } from '../channels/built-in-channels.js'
import { BUILT_IN_CHANNELS } from '../channels/built-in-channels.js'
import { ChannelSettingsSchema, ProviderEntrySchema } from '../channels/channel-settings.js'
import { TestRecipientSettings } from './test-recipient-settings.js'

export { ChannelSettingsSchema, ProviderEntrySchema }

// The channels' slices of the settings, composed from the channel registry: each channel's folder owns its
// settings (`channels.<name>`), its template shape (`templates.<name>`) and its own limits.
type BuiltInChannel = (typeof BUILT_IN_CHANNELS)[number]
type ChannelSlices = { [C in BuiltInChannel as C['name']]: C['settingsSchema'] }
type TemplateSlices = {
  [C in BuiltInChannel as C['name']]: TRecord<TString, TRecord<TString, C['templateSchema']>>
}
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never
type ChannelLimits = UnionToIntersection<
  BuiltInChannel extends infer C ? (C extends { limitsSchema: infer L } ? L : Record<never, never>) : never
>

function channelLimits(): Record<string, TSchema> {
  return Object.assign(
    {},
    ...BUILT_IN_CHANNELS.map((channel) => ('limitsSchema' in channel ? channel.limitsSchema : {})),
  )
}

/** A BCP 47 tag as templates are keyed: `fr`, `pt-BR`, `zh-Hant-TW`. */
const LOCALE_TAG = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$'
const SCENE_KEY = '^(\\*|[a-z0-9-]{1,64})$'

const TemplatesByScene = <T extends TSchema>(template: T) =>
  Type.Record(Type.String({ pattern: SCENE_KEY }), Type.Record(Type.String({ pattern: LOCALE_TAG }), template), {
    default: {},
    description: 'By scene (`*` for every scene), then by locale (BCP 47).',
  })

export const SceneSettingsSchema = Type.Object(
  {
    allowed_types: Type.Array(Type.String({ pattern: '^[a-z0-9-]{1,32}$' }), {
      uniqueItems: true,
      maxItems: 32,
      description: 'Verification types that may prove this scene (registered type names).',
    }),
    token_ttl_seconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3600, description: 'Token lifetime for this scene (default: the app’s).' }),
    ),
    require_factor: Type.Optional(
      Type.Boolean({
        description:
          'A verification for a user in this scene must use one of that user’s active factors (always so for 2fa and step-up).',
      }),
    ),
  },
  { additionalProperties: false },
)

const Limit = (max: number, windowSeconds: number, description: string) =>
  Type.Object(
    {
      max: Type.Integer({ minimum: 1, maximum: 10_000_000, default: max }),
      window_seconds: Type.Integer({ minimum: 1, maximum: 7 * 86_400, default: windowSeconds }),
    },
    { additionalProperties: false, default: {}, description },
  )

export const LimitsSchema = Type.Object(
  {
    sends_per_identifier: Limit(5, 600, 'Codes sent to one phone or email address.'),
    sends_per_identifier_daily: Limit(20, 86_400, 'Codes sent to one phone or email address per day.'),
    sends_per_ip: Limit(10, 3600, 'Codes sent for one client_ip.'),
    sends_per_ip_range: Limit(30, 3600, 'Codes sent for one /24 (IPv4) or /56 (IPv6) of client_ip.'),
    sends_per_app: Limit(10_000, 3600, 'Codes sent by the whole app: a budget cap on the bill.'),
    // The channels' own limits (the SMS velocity limits), where they have always been listed.
    ...(channelLimits() as ChannelLimits),
    failed_checks_per_identifier: Limit(30, 86_400, 'Wrong codes for one identifier or factor across verifications.'),
    requests_per_key: Limit(6000, 60, 'Requests with one API key.'),
  },
  { additionalProperties: false, default: {} },
)

/** The settings every app has, whatever verification types are registered (composeAppSettingsSchema adds theirs). */
export const AppSettingsSchema = Type.Object(
  {
    redirect_urls: Type.Array(
      Type.String({
        maxLength: 2048,
        pattern: '^(https://[^\\s#]+|http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]{1,5})?(/[^\\s#]*)?)$',
      }),
      {
        default: [],
        uniqueItems: true,
        maxItems: 50,
        description:
          'Where hosted verification pages may send a person back (`redirect_url` of POST /v1/sessions must equal one exactly): https, or http://localhost for development.',
      },
    ),
    brand_color: Type.String({
      pattern: '^#[0-9A-Fa-f]{6}$',
      default: '#4F46E5',
      description: 'The app’s colour (#RRGGBB) on hosted pages: buttons, links and focus rings.',
    }),
    email_magic_link: Type.Boolean({
      default: false,
      description:
        'Hosted flow: emails carry a sign-in link beside the code; the link opens a confirm page and approves only on its button (a POST), so mail scanners that prefetch links approve nothing.',
    }),
    email_link_only: Type.Boolean({
      default: false,
      description:
        'With email_magic_link: the email carries the link instead of the code, and the hosted page waits for the click (the link still approves only on the confirm page’s button).',
    }),
    allow_custom_code: Type.Boolean({
      default: false,
      description: 'Whether a start request may carry its own `custom_code`.',
    }),
    token_ttl_seconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 600,
      description: 'Lifetime of a verification token, seconds.',
    }),
    channels: Type.Object(
      // Each slice defaults to {} so its own defaults fill it: settings saved before a channel existed still read.
      Object.fromEntries(
        // built once, not per request: a spread here costs nothing (docs/decisions.md)
        BUILT_IN_CHANNELS.map((channel) => [channel.name, { ...channel.settingsSchema, default: {} }]),
      ) as ChannelSlices,
      { additionalProperties: false, default: {} },
    ),
    default_locale: Type.String({
      pattern: LOCALE_TAG,
      default: 'en',
      description:
        'Locale of messages when a request names none (or none that has a text), and of hosted pages when neither the session nor the browser names a supported one.',
    }),
    web_origin: Type.Optional(
      Type.String({
        pattern: '^https?://[^/?#\\s]+$',
        maxLength: 200,
        description:
          'The app’s web origin (https://example.com). SMS then end with `@example.com #123456`, so browsers and phones offer to fill the code in.',
      }),
    ),
    templates: Type.Object(
      Object.fromEntries(
        BUILT_IN_CHANNELS.map((channel) => [channel.name, TemplatesByScene(channel.templateSchema)]),
      ) as TemplateSlices,
      {
        additionalProperties: false,
        default: {},
        description:
          'The app’s own message texts by channel, scene and locale, with {code}, {app_name}, {minutes}; Tessera’s built-in texts fill the rest.',
      },
    ),
    uniform_responses: Type.Boolean({
      default: false,
      description:
        'Start, resend and challenge answer alike whether or not a send was refused or a factor exists (the event log keeps the truth).',
    }),
    limits: LimitsSchema,
    ...TestRecipientSettings,
    scenes: Type.Record(Type.String({ pattern: '^[a-z0-9-]{1,64}$' }), SceneSettingsSchema, {
      default: {},
      description:
        'Per scene: allowed verification types and token lifetime. Built-in scenes have defaults; null removes an entry.',
    }),
    challenge: Type.Object(
      {
        ttl_seconds: Type.Integer({
          minimum: 30,
          maximum: 3600,
          default: 300,
          description: 'Lifetime of a TOTP, password or backup-code challenge.',
        }),
        max_attempts: Type.Integer({
          minimum: 1,
          maximum: 20,
          default: 5,
          description: 'Checks allowed per challenge.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    factor_lockout: Type.Object(
      {
        max_failures: Type.Integer({
          minimum: 1,
          maximum: 100,
          default: 10,
          description:
            'Consecutive failures on one factor (across verifications) that lock it. NIST SP 800-63B: at most 100.',
        }),
        base_delay_seconds: Type.Integer({
          minimum: 1,
          maximum: 86_400,
          default: 60,
          description: 'First lock; each later lock doubles.',
        }),
        max_delay_seconds: Type.Integer({
          minimum: 1,
          maximum: 86_400,
          default: 3600,
          description: 'Cap of the doubling.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
)

/**
 * An app's settings with each verification type's options (`totp.digits`) under the type's name. The types
 * own those slices (verifiers/<type>/): the registry composes them here, so the settings stay one schema with
 * the same paths whatever is registered.
 */
export function composeAppSettingsSchema(typeOptions: Readonly<Record<string, TObject>>): TObject {
  const properties: Record<string, TSchema> = { ...AppSettingsSchema.properties }
  for (const [name, schema] of Object.entries(typeOptions)) {
    if (name in properties) throw new Error(`Options of type ${name} would replace the setting ${name}`)
    // Every slice is filled from its defaults, so an app that never set one still has it whole.
    // built once, not per request: a spread here costs nothing (docs/decisions.md)
    properties[name] = { ...schema, default: {} }
  }
  return Type.Object(properties, { additionalProperties: false })
}

/** The settings every app has whatever types are registered; each type's options come beside them (`optionsOf`). */
export type AppSettings = Static<typeof AppSettingsSchema>
export type ChannelSettings = Static<typeof ChannelSettingsSchema>
export type Limits = Static<typeof LimitsSchema>
/** A channel that delivers codes: one of the registered channels (channels/built-in-channels.ts). */
export type { ChannelName }
export type SceneSettings = Static<typeof SceneSettingsSchema>

/** A JSON object as the client sent it: validated by `resolveAppSettings`. */
export type SettingsInput = Record<string, unknown>
