import { AppError } from '../errors/app-error.js'

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Applies a settings patch as JSON Merge Patch (RFC 7396): objects merge key by
 * key, `null` removes a key (a custom scene, say; defaults then fill what the
 * schema requires), anything else — arrays included — replaces. Keys that could
 * pollute prototypes are refused outright, so they never reach the schema.
 */
export function mergeSettings(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return structuredClone(patch)
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new AppError('invalid_request', { message: `settings.${key} is not a setting.` })
    }
    if (value === null) delete out[key]
    else out[key] = key in base ? mergeSettings(base[key], value) : structuredClone(value)
  }
  return out
}
