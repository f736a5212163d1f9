import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { AppError } from '../errors/app-error.js'

/** Policy of one code channel (`sms` or `email`). */
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
  },
  { additionalProperties: false },
)

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
  },
  { additionalProperties: false },
)

export const AppSettingsSchema = Type.Object(
  {
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
      { email: ChannelSettingsSchema, sms: ChannelSettingsSchema },
      { additionalProperties: false, default: {} },
    ),
    scenes: Type.Record(Type.String({ pattern: '^[a-z0-9-]{1,64}$' }), SceneSettingsSchema, {
      default: {},
      description:
        'Per scene: allowed verification types and token lifetime. Built-in scenes have defaults; null removes an entry.',
    }),
    totp: Type.Object(
      {
        algorithm: Type.Union([Type.Literal('SHA1'), Type.Literal('SHA256'), Type.Literal('SHA512')], {
          default: 'SHA1',
        }),
        digits: Type.Integer({ minimum: 6, maximum: 8, default: 6 }),
        period: Type.Integer({ minimum: 15, maximum: 120, default: 30, description: 'Seconds per TOTP step.' }),
        window: Type.Integer({ minimum: 0, maximum: 2, default: 1, description: 'Steps accepted either side of now.' }),
      },
      { additionalProperties: false, default: {} },
    ),
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

export type AppSettings = Static<typeof AppSettingsSchema>
export type ChannelSettings = Static<typeof ChannelSettingsSchema>
export type Channel = keyof AppSettings['channels']
export type SceneSettings = Static<typeof SceneSettingsSchema>

/** A JSON object as the client sent it: validated by `resolveAppSettings`. */
export type SettingsInput = Record<string, unknown>

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Deep-merges `patch` into `base`: objects merge key by key, anything else
 * replaces. Keys that could pollute prototypes are refused by the schema
 * (additionalProperties: false), and are skipped here so they never reach it.
 */
export function mergeSettings(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return structuredClone(patch)
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new AppError('invalid_request', { message: `settings.${key} is not a setting.` })
    }
    // null removes an entry (a custom scene, say); defaults then fill what the schema requires.
    if (value === null) delete out[key]
    else out[key] = key in base ? mergeSettings(base[key], value) : structuredClone(value)
  }
  return out
}

/**
 * Fills defaults and validates. Every problem is named by its path
 * (`settings.channels.sms.code_length`) in one 4000 answer.
 */
export function resolveAppSettings(input: unknown, options: { verifierTypes?: readonly string[] } = {}): AppSettings {
  if (!isPlainObject(input)) {
    throw new AppError('invalid_request', { message: 'settings must be an object.' })
  }
  const candidate = Value.Default(AppSettingsSchema, mergeSettings(defaultAppSettings(), input))
  const errors = [...Value.Errors(AppSettingsSchema, candidate)]
  if (errors.length > 0) {
    const seen = new Set<string>()
    const messages: string[] = []
    for (const error of errors) {
      const path = `settings${error.path.replaceAll('/', '.')}`
      if (seen.has(path)) continue
      seen.add(path)
      messages.push(`${path}: ${error.message}`)
    }
    throw new AppError('invalid_request', { message: `Invalid settings — ${messages.join('; ')}.` })
  }
  const settings = candidate as AppSettings
  if (options.verifierTypes) {
    const known = new Set(options.verifierTypes)
    for (const [scene, policy] of Object.entries(settings.scenes)) {
      const unknown = policy.allowed_types.filter((type) => !known.has(type))
      if (unknown.length > 0) {
        throw new AppError('invalid_request', {
          message: `Invalid settings — settings.scenes.${scene}.allowed_types: unknown type ${unknown.join(', ')} (known: ${[...known].join(', ')}).`,
        })
      }
    }
  }
  return settings
}

export function defaultAppSettings(): AppSettings {
  const channel = (): ChannelSettings => ({
    enabled: true,
    code_length: 6,
    code_alphabet: 'digits',
    ttl_seconds: 600,
    max_attempts: 5,
    max_sends: 5,
    resend_cooldown_seconds: 30,
  })
  return {
    allow_custom_code: false,
    token_ttl_seconds: 600,
    channels: { email: channel(), sms: channel() },
    scenes: {},
    totp: { algorithm: 'SHA1', digits: 6, period: 30, window: 1 },
    challenge: { ttl_seconds: 300, max_attempts: 5 },
    factor_lockout: { max_failures: 10, base_delay_seconds: 60, max_delay_seconds: 3600 },
  }
}
