import type { AppSettings, SceneSettings } from '../settings/app-settings.js'
import { BUILT_IN_VERIFIERS } from '../verifiers/built-in-verifiers.js'
import type { Verifier } from '../verifiers/verifier.js'

/** The built-in scenes, as docs/api.md lists them. */
const BUILT_IN_SCENE_NAMES = [
  'verify-identifier',
  'signup',
  'login',
  '2fa',
  'step-up',
  'password-reset',
  'identifier-change',
] as const

/** Each built-in scene with the types whose `sceneDefaults` name it, in registration order. */
function composeBuiltInScenes(
  verifiers: readonly Pick<Verifier, 'type' | 'sceneDefaults'>[],
): Record<string, SceneSettings> {
  const known = new Set<string>(BUILT_IN_SCENE_NAMES)
  for (const verifier of verifiers) {
    const unknown = verifier.sceneDefaults?.filter((scene) => !known.has(scene)) ?? []
    if (unknown.length > 0)
      throw new Error(`Type ${verifier.type} names scenes that are not built in: ${unknown.join(', ')}`)
  }
  return Object.fromEntries(
    BUILT_IN_SCENE_NAMES.map((scene) => [
      scene,
      { allowed_types: verifiers.filter((verifier) => verifier.sceneDefaults?.includes(scene)).map((v) => v.type) },
    ]),
  )
}

/**
 * Built-in scenes and the types that may prove each by default (each type's
 * `sceneDefaults`; types only registered beside the built-in ones prove custom scenes). An app's
 * `settings.scenes` overrides an entry or adds custom scenes; a scene named
 * nowhere allows every type (a custom label the app has not restricted).
 */
const BUILT_IN_SCENES: Readonly<Record<string, SceneSettings>> = composeBuiltInScenes(BUILT_IN_VERIFIERS)

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
