import { Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { resolveAppSettings } from '../settings/resolve-settings.js'
import { BUILT_IN_VERIFIERS } from './built-in-verifiers.js'
import { cardPinVerifier } from './examples/card-pin/card-pin-verifier.js'
import { defineVerifier, optionsOf } from './verifier.js'
import { createVerifierRegistry } from './verifier-registry.js'

const bare = (type: string, extra: Record<string, unknown> = {}) =>
  defineVerifier({
    type,
    bind: async () => ({ status: 'active' }),
    challenge: () => ({ ttlSeconds: 60, maxAttempts: 3 }),
    check: async () => ({ ok: false, reason: 'mismatch' }),
    ...extra,
  })

describe('the verifier registry composes what the types declare', () => {
  const registry = createVerifierRegistry([...BUILT_IN_VERIFIERS, cardPinVerifier])

  it('takes each type’s bind fields once, optional, naming the types that take each', () => {
    expect(Object.keys(registry.bindFields).sort()).toEqual(
      ['account_name', 'algorithm', 'digits', 'name', 'password', 'period', 'pin', 'secret', 'to', 'user_name'].sort(),
    )
    expect(registry.bindFields.to?.description).toBe('sms/email/whatsapp/call: the phone or address.')
    expect(registry.bindFields.digits?.description).toBe('totp.')
    expect(registry.bindFields.password?.description).toBe('password: 8–256 characters.')
  })

  it('takes every reveal, view and check field, so the answers’ schemas let them through', () => {
    expect(Object.keys(registry.revealFields).sort()).toEqual(
      ['algorithm', 'codes', 'digits', 'options', 'otpauth_uri', 'period', 'pin', 'qr_svg', 'secret'].sort(),
    )
    expect(Object.keys(registry.viewFields)).toEqual([
      'backup_codes_remaining',
      'authenticator',
      'aaguid',
      'backed_up',
      'device_type',
      'transports',
    ])
    expect(Object.keys(registry.checkFields)).toEqual(['backup_codes_remaining'])
  })

  it('puts each type’s options in the settings under its name, defaults filled', () => {
    const settings = resolveAppSettings({ 'card-pin': { digits: 5 } }, { schema: registry.settingsSchema })
    expect(optionsOf(settings, 'card-pin', cardPinVerifier.options ?? Type.Object({}))).toEqual({ digits: 5 })
    expect((settings as unknown as Record<string, unknown>).totp).toEqual({
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      window: 1,
    })
    expect(() => resolveAppSettings({ 'card-pin': { digits: 5 } })).toThrow(/card-pin/)
  })

  it('reads the defaults of a type whose options an app’s stored settings predate', () => {
    const stored = resolveAppSettings({})
    expect(optionsOf(stored, 'card-pin', cardPinVerifier.options ?? Type.Object({}))).toEqual({ digits: 6 })
  })

  it('refuses a field two types declare differently, and options that would replace a setting', () => {
    const a = bare('a', { bindFields: { to: Type.Optional(Type.String({ maxLength: 10 })) } })
    const b = bare('b', { bindFields: { to: Type.Optional(Type.String({ maxLength: 20 })) } })
    expect(() => createVerifierRegistry([a, b])).toThrow(/Field to of type b/)
    expect(() => createVerifierRegistry([bare('limits', { options: Type.Object({}) })])).toThrow(/limits/)
  })
})
