import { afterEach, describe, expect, it } from 'vitest'
import { AppError } from '../errors/app-error.js'
import { mergeSettings } from './merge-patch.js'
import { defaultAppSettings, resolveAppSettings } from './resolve-settings.js'

/** Builds `{ a: { b: { c: value } } }` from `['a', 'b', 'c']`. */
function nested(path: readonly string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>
}

function refusal(input: unknown): AppError {
  try {
    resolveAppSettings(input)
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`)
}

describe('defaultAppSettings / resolveAppSettings defaults', () => {
  it('fills every setting from an empty object', () => {
    const channel = {
      enabled: true,
      code_length: 6,
      code_alphabet: 'digits',
      ttl_seconds: 600,
      max_attempts: 5,
      max_sends: 5,
      resend_cooldown_seconds: 30,
    }
    const settings = resolveAppSettings({})
    expect(settings).toEqual(defaultAppSettings())
    expect(settings).toMatchObject({
      allow_custom_code: false,
      token_ttl_seconds: 600,
      channels: { email: channel, sms: channel },
    })
  })

  it('hands out a fresh object each time', () => {
    const first = defaultAppSettings()
    first.channels.sms.code_length = 9
    expect(defaultAppSettings().channels.sms.code_length).toBe(6)
  })

  it.each([null, [], 'settings', 42])('refuses %j, which is not an object', (input) => {
    const error = refusal(input)
    expect(error.code).toBe('invalid_request')
    expect(error.message).toMatch(/settings must be an object/)
  })
})

describe('resolveAppSettings merging', () => {
  it('deep-merges a partial channel into the defaults', () => {
    const settings = resolveAppSettings({ channels: { sms: { code_length: 8, code_alphabet: 'alphanumeric' } } })
    expect(settings.channels.sms).toEqual({
      ...defaultAppSettings().channels.sms,
      code_length: 8,
      code_alphabet: 'alphanumeric',
    })
    expect(settings.channels.email).toEqual(defaultAppSettings().channels.email)
    expect(settings.token_ttl_seconds).toBe(600)
  })

  it('merges top-level and nested changes together', () => {
    const settings = resolveAppSettings({
      allow_custom_code: true,
      token_ttl_seconds: 120,
      channels: { email: { enabled: false }, sms: { max_attempts: 3 } },
    })
    expect(settings.allow_custom_code).toBe(true)
    expect(settings.token_ttl_seconds).toBe(120)
    expect(settings.channels.email.enabled).toBe(false)
    expect(settings.channels.email.code_length).toBe(6)
    expect(settings.channels.sms.max_attempts).toBe(3)
    expect(settings.channels.sms.enabled).toBe(true)
  })

  it('does not change its input', () => {
    const input = { channels: { sms: { code_length: 8 } } }
    const copy = structuredClone(input)
    const settings = resolveAppSettings(input)
    settings.channels.sms.ttl_seconds = 1
    expect(input).toEqual(copy)
  })

  it('mergeSettings layers a patch over stored settings without touching either', () => {
    const stored = resolveAppSettings({ channels: { sms: { code_length: 8 } } })
    const before = structuredClone(stored)
    const merged = mergeSettings(stored, { channels: { sms: { ttl_seconds: 60 } } }) as typeof stored
    expect(merged.channels.sms.code_length).toBe(8)
    expect(merged.channels.sms.ttl_seconds).toBe(60)
    expect(stored).toEqual(before)
  })

  it('names every invalid setting in one refusal', () => {
    const error = refusal({ channels: { sms: { code_length: 3 }, email: { max_attempts: 21 } } })
    expect(error.code).toBe('invalid_request')
    expect(error.message).toContain('settings.channels.sms.code_length')
    expect(error.message).toContain('settings.channels.email.max_attempts')
  })

  it.each([
    [['channels', 'sms', 'code_length'], 6.5],
    [['channels', 'sms', 'code_length'], '6'],
    [['channels', 'sms', 'enabled'], 'yes'],
    [['channels', 'email', 'code_alphabet'], 'hex'],
    [['token_ttl_seconds'], '600'],
    [['allow_custom_code'], 1],
  ])('refuses a wrong type at %j (%j)', (path, value) => {
    const error = refusal(nested(path, value))
    expect(error.code).toBe('invalid_request')
    expect(error.message).toContain(`settings.${path.join('.')}`)
  })

  it('refuses a channel replaced by a non-object; null (RFC 7396: remove) puts its defaults back', () => {
    expect(refusal({ channels: { sms: 'off' } }).message).toContain('settings.channels.sms')
    expect(refusal({ channels: 'all' }).message).toContain('settings.channels')
    const changed = resolveAppSettings({ channels: { sms: { code_length: 8 } } })
    expect(resolveAppSettings(mergeSettings(changed, { channels: { sms: null } })).channels.sms).toEqual(
      defaultAppSettings().channels.sms,
    )
  })
})

const BOUNDS: ReadonlyArray<readonly [readonly string[], number, number]> = [
  ...(['sms', 'email'] as const).flatMap((channel) => [
    [['channels', channel, 'code_length'], 4, 10] as const,
    [['channels', channel, 'ttl_seconds'], 1, 86_400] as const,
    [['channels', channel, 'max_attempts'], 1, 20] as const,
    [['channels', channel, 'max_sends'], 1, 20] as const,
    [['channels', channel, 'resend_cooldown_seconds'], 0, 3600] as const,
  ]),
  [['token_ttl_seconds'], 1, 3600],
]

describe('resolveAppSettings bounds', () => {
  it.each(BOUNDS)('accepts %j at %i and %i', (path, min, max) => {
    for (const value of [min, max]) {
      const settings = resolveAppSettings(nested(path, value))
      const actual = path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], settings)
      expect(actual).toBe(value)
    }
  })

  it.each(BOUNDS)('refuses %j just below %i and just above %i, naming the path', (path, min, max) => {
    for (const value of [min - 1, max + 1]) {
      const error = refusal(nested(path, value))
      expect(error.code).toBe('invalid_request')
      expect(error.status).toBe(400)
      expect(error.number).toBe(4000)
      expect(error.message).toContain(`settings.${path.join('.')}`)
    }
  })
})

describe('resolveAppSettings unknown and dangerous keys', () => {
  afterEach(() => {
    // Belt and braces: never leave a polluted prototype behind for other tests.
    delete (Object.prototype as Record<string, unknown>).polluted
  })

  it.each([
    [{ sms_enabled: true }, 'settings.sms_enabled'],
    [{ channels: { voice: {} } }, 'settings.channels.voice'],
    [{ channels: { sms: { code_lenght: 6 } } }, 'settings.channels.sms.code_lenght'],
  ])('refuses the unknown key in %j', (input, path) => {
    const error = refusal(input)
    expect(error.code).toBe('invalid_request')
    expect(error.message).toContain(path)
  })

  it.each([
    '{"__proto__": {"polluted": true}}',
    '{"channels": {"__proto__": {"polluted": true}}}',
    '{"channels": {"sms": {"__proto__": {"polluted": true}}}}',
    '{"constructor": {"prototype": {"polluted": true}}}',
    '{"channels": {"constructor": {"prototype": {"polluted": true}}}}',
    '{"prototype": {"polluted": true}}',
    '{"extra": {"__proto__": {"polluted": true}}}',
  ])('refuses %s without polluting Object.prototype', (json) => {
    const input: unknown = JSON.parse(json)
    const error = refusal(input)
    expect(error.code).toBe('invalid_request')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
  })

  it('refuses __proto__ in mergeSettings too, whatever the base', () => {
    const patch: unknown = JSON.parse('{"__proto__": {"polluted": true}}')
    expect(() => mergeSettings(defaultAppSettings(), patch)).toThrow(AppError)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
