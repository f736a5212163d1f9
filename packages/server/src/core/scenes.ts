import type { AppSettings, SceneSettings } from '../settings/app-settings.js'

/**
 * Built-in scenes and the types that may prove each by default. An app's
 * `settings.scenes` overrides an entry or adds custom scenes; a scene named
 * nowhere allows every type (a custom label the app has not restricted).
 */
const BUILT_IN_SCENES: Readonly<Record<string, SceneSettings>> = {
  'verify-identifier': { allowed_types: ['sms', 'email'] },
  signup: { allowed_types: ['sms', 'email'] },
  login: { allowed_types: ['sms', 'email', 'password', 'totp', 'backup-code'] },
  '2fa': { allowed_types: ['totp', 'sms', 'email', 'backup-code'] },
  'step-up': { allowed_types: ['totp', 'sms', 'email', 'password', 'backup-code'] },
  'password-reset': { allowed_types: ['sms', 'email', 'totp', 'backup-code'] },
  'identifier-change': { allowed_types: ['sms', 'email', 'totp', 'password', 'backup-code'] },
}

/** The scene's settings, or undefined for a custom scene the app has not configured (any type may prove it). */
function scenePolicy(settings: AppSettings, scene: string): SceneSettings | undefined {
  return settings.scenes[scene] ?? BUILT_IN_SCENES[scene]
}

export function isTypeAllowed(settings: AppSettings, scene: string, type: string): boolean {
  const policy = scenePolicy(settings, scene)
  return policy === undefined || (policy.allowed_types as readonly string[]).includes(type)
}

/**
 * Scenes whose token must prove one of the user's own factors: with a user, the verification must use one of
 * that user's active factors, never an arbitrary phone or inbox. Always true for the built-in `2fa` and
 * `step-up` (an app cannot turn that off); any other scene opts in with `require_factor: true`.
 */
const FACTOR_SCENES: ReadonlySet<string> = new Set(['2fa', 'step-up'])

export function requiresOwnFactor(settings: AppSettings, scene: string): boolean {
  return FACTOR_SCENES.has(scene) || scenePolicy(settings, scene)?.require_factor === true
}

export function tokenTtlSeconds(settings: AppSettings, scene: string): number {
  return scenePolicy(settings, scene)?.token_ttl_seconds ?? settings.token_ttl_seconds
}
