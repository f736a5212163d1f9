import { Value } from '@sinclair/typebox/value'
import { AppError } from '../errors/app-error.js'
import { canonicalTag } from '../i18n/locale.js'
import { PLACEHOLDERS, unknownPlaceholders } from '../i18n/placeholders.js'
import { type AppSettings, AppSettingsSchema, type ChannelName } from './app-settings.js'
import { isPlainObject, mergeSettings } from './merge-patch.js'

/** A problem with one setting: its dotted path (`channels.sms.code_length`) and what is wrong. */
export interface SettingsProblem {
  readonly path: string
  readonly message: string
}

/** The schema's complaints about complete settings, one per path (forms show each beside its field). */
export function settingsProblems(candidate: unknown): SettingsProblem[] {
  const seen = new Set<string>()
  const problems: SettingsProblem[] = []
  for (const error of Value.Errors(AppSettingsSchema, candidate)) {
    const path = error.path.replaceAll('/', '.').replace(/^\./, '')
    if (seen.has(path)) continue
    seen.add(path)
    problems.push({ path, message: error.message })
  }
  return problems
}

/**
 * Fills defaults and validates. Every problem is named by its path
 * (`settings.channels.sms.code_length`) in one 4000 answer.
 */
export interface SettingsChecks {
  /** Registered verification types, which scenes' allowed_types may name. */
  readonly verifierTypes?: readonly string[]
  /** Checks one provider chain entry against its provider; answers what is wrong, or undefined. */
  readonly checkProvider?: (channel: ChannelName, entry: Readonly<Record<string, unknown>>) => string | undefined
}

export function resolveAppSettings(input: unknown, options: SettingsChecks = {}): AppSettings {
  if (!isPlainObject(input)) {
    throw new AppError('invalid_request', { message: 'settings must be an object.' })
  }
  const candidate = Value.Default(AppSettingsSchema, mergeSettings(defaultAppSettings(), input))
  const schemaProblems = settingsProblems(candidate)
  if (schemaProblems.length > 0) {
    const messages = schemaProblems.map((problem) => `settings.${problem.path}: ${problem.message}`)
    throw new AppError('invalid_request', { message: `Invalid settings — ${messages.join('; ')}.` })
  }
  const settings = candidate as AppSettings
  canonicalizeTemplateLocales(settings)
  const problems = [...templateProblems(settings), ...originProblems(settings)]
  if (options.checkProvider) {
    for (const channel of ['sms', 'email'] as const) {
      settings.channels[channel].providers.forEach((entry, index) => {
        const problem = options.checkProvider?.(channel, entry)
        if (problem) problems.push(`settings.channels.${channel}.providers.${index}: ${problem}`)
      })
    }
  }
  if (problems.length > 0) {
    throw new AppError('invalid_request', { message: `Invalid settings — ${problems.join('; ')}.` })
  }
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

/** Template locales stored in canonical case (`pt-br` → `pt-BR`), so matching never depends on how they were typed. */
function canonicalizeTemplateLocales(settings: AppSettings): void {
  for (const channel of ['sms', 'email'] as const) {
    for (const [scene, byLocale] of Object.entries(settings.templates[channel])) {
      const canonical: Record<string, unknown> = {}
      for (const [locale, template] of Object.entries(byLocale)) canonical[canonicalTag(locale)] = template
      ;(settings.templates[channel] as Record<string, unknown>)[scene] = canonical
    }
  }
  settings.default_locale = canonicalTag(settings.default_locale)
}

/** Templates may use only the known placeholders, and must show the code. */
function templateProblems(settings: AppSettings): string[] {
  const problems: string[] = []
  for (const channel of ['sms', 'email'] as const) {
    for (const [scene, byLocale] of Object.entries(settings.templates[channel])) {
      for (const [locale, entry] of Object.entries(byLocale)) {
        const template = entry as { text: string; subject?: string; html?: string }
        const path = `settings.templates.${channel}.${scene}.${locale}`
        for (const [part, text] of Object.entries(template)) {
          const unknown = unknownPlaceholders(text)
          if (unknown.length > 0) {
            problems.push(
              `${path}.${part}: unknown placeholder ${unknown.join(', ')} (allowed: ${PLACEHOLDERS.map((name) => `{${name}}`).join(', ')})`,
            )
          }
        }
        if (!template.text.includes('{code}')) problems.push(`${path}.text: must contain {code}`)
        if (template.html !== undefined && !template.html.includes('{code}')) {
          problems.push(`${path}.html: must contain {code}`)
        }
      }
    }
  }
  return problems
}

function originProblems(settings: AppSettings): string[] {
  if (settings.web_origin === undefined) return []
  try {
    const url = new URL(settings.web_origin)
    if (url.origin !== settings.web_origin.replace(/\/$/, '') || url.username || url.password)
      throw new Error('not an origin')
    return []
  } catch {
    return ['settings.web_origin: must be an origin such as https://example.com (scheme and host, no path)']
  }
}

export function defaultAppSettings(): AppSettings {
  return Value.Default(AppSettingsSchema, {
    channels: { email: {}, sms: {} },
    templates: { sms: {}, email: {} },
  }) as AppSettings
}
