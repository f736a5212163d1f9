import { describe, expect, it } from 'vitest'
import { defaultAppSettings } from '../settings/resolve-settings.js'
import { isTypeAllowed, requiresOwnFactor } from './scenes.js'

// The built-in scenes are composed from each type's `sceneDefaults` (verifiers/<type>/); this is the table they
// replaced, as docs/api.md describes it, so the composition must answer exactly the same.
const TABLE: Readonly<Record<string, readonly string[]>> = {
  'verify-identifier': ['sms', 'email'],
  signup: ['sms', 'email'],
  login: ['sms', 'email', 'password', 'totp', 'backup-code'],
  '2fa': ['totp', 'sms', 'email', 'backup-code'],
  'step-up': ['totp', 'sms', 'email', 'password', 'backup-code'],
  'password-reset': ['sms', 'email', 'totp', 'backup-code'],
  'identifier-change': ['sms', 'email', 'totp', 'password', 'backup-code'],
}
const TYPES = ['sms', 'email', 'totp', 'password', 'backup-code', 'card-pin']

describe('built-in scenes composed from the types’ scene defaults', () => {
  const settings = defaultAppSettings()

  it.each(Object.entries(TABLE))('%s allows exactly %j', (scene, allowed) => {
    expect(TYPES.filter((type) => isTypeAllowed(settings, scene, type))).toEqual(
      TYPES.filter((type) => allowed.includes(type)),
    )
  })

  it('a custom scene the app has not configured allows every type, a configured one only its own', () => {
    expect(TYPES.every((type) => isTypeAllowed(settings, 'checkout', type))).toBe(true)
    const configured = { ...settings, scenes: { login: { allowed_types: ['card-pin'] } } }
    expect(TYPES.filter((type) => isTypeAllowed(configured, 'login', type))).toEqual(['card-pin'])
  })

  it('2fa and step-up prove the user’s own factor whatever the types', () => {
    expect(requiresOwnFactor(settings, '2fa')).toBe(true)
    expect(requiresOwnFactor(settings, 'step-up')).toBe(true)
    expect(requiresOwnFactor(settings, 'login')).toBe(false)
  })
})
