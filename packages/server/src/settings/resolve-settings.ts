import type { TObject } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { CHANNEL_NAMES, channelNamed, findChannel } from '../channels/built-in-channels.js'
import { AppError, type FieldProblem } from '../errors/app-error.js'
import { canonicalTag } from '../i18n/locale.js'
import { PLACEHOLDERS, unknownPlaceholders } from '../i18n/placeholders.js'
import { type AppSettings, AppSettingsSchema, type ChannelName } from './app-settings.js'
import { isPlainObject, mergeSettings } from './merge-patch.js'
import { testRecipientProblems } from './test-recipients.js'

/** A problem with one setting: its dotted path (`channels.sms.code_length`) and what is wrong. */
export type SettingsProblem = FieldProblem

/**
 * The one error for invalid settings: its message names every problem
 * (`settings.channels.sms.code_length: …`), and it carries them as data under
 * the same paths, so a form shows each beside its field.
 */
export function invalidSettings(problems: readonly SettingsProblem[]): AppError {
  const named = problems.map((problem) => ({ path: `settings.${problem.path}`, message: problem.message }))
  return new AppError('invalid_request', {
    message: `Invalid settings — ${named.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}.`,
    problems: named,
  })
}

/** The schema's complaints about complete settings, one per path (forms show each beside its field). */
export function settingsProblems(candidate: unknown, schema: TObject = AppSettingsSchema): SettingsProblem[] {
  const seen = new Set<string>()
  const problems: SettingsProblem[] = []
  for (const error of Value.Errors(schema, candidate)) {
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
  /** The settings schema with the registered types' options (verifier registry); without it, only the base settings. */
  readonly schema?: TObject | undefined
  /** Registered verification types, which scenes' allowed_types may name. */
  readonly verifierTypes?: readonly string[]
  /** Checks one provider chain entry against its provider; answers what is wrong, or undefined. */
  readonly checkProvider?: (channel: ChannelName, entry: Readonly<Record<string, unknown>>) => string | undefined
}

export function resolveAppSettings(input: unknown, options: SettingsChecks = {}): AppSettings {
  if (!isPlainObject(input)) {
    throw new AppError('invalid_request', { message: 'settings must be an object.' })
  }
  const schema = options.schema ?? AppSettingsSchema
  const candidate = Value.Default(schema, mergeSettings(defaultAppSettings(schema), input))
  const schemaProblems = settingsProblems(candidate, schema)
  if (schemaProblems.length > 0) throw invalidSettings(schemaProblems)
  const settings = candidate as AppSettings
  canonicalizeTemplateLocales(settings)
  const problems = [
    ...templateProblems(settings),
    ...originProblems(settings),
    ...fallbackProblems(settings),
    ...testRecipientProblems(settings),
  ]
  if (options.checkProvider) {
    for (const channel of CHANNEL_NAMES) {
      settings.channels[channel].providers.forEach((entry, index) => {
        const problem = options.checkProvider?.(channel, entry)
        if (problem) problems.push({ path: `channels.${channel}.providers.${index}`, message: problem })
      })
    }
  }
  if (problems.length > 0) throw invalidSettings(problems)
  if (options.verifierTypes) {
    const known = new Set(options.verifierTypes)
    for (const [scene, policy] of Object.entries(settings.scenes)) {
      const unknown = policy.allowed_types.filter((type) => !known.has(type))
      if (unknown.length > 0) {
        throw invalidSettings([
          {
            path: `scenes.${scene}.allowed_types`,
            message: `unknown type ${unknown.join(', ')} (known: ${[...known].join(', ')})`,
          },
        ])
      }
    }
  }
  return settings
}

/** Template locales stored in canonical case (`pt-br` → `pt-BR`), so matching never depends on how they were typed. */
function canonicalizeTemplateLocales(settings: AppSettings): void {
  for (const channel of CHANNEL_NAMES) {
    for (const [scene, byLocale] of Object.entries(settings.templates[channel])) {
      const canonical: Record<string, unknown> = {}
      for (const [locale, template] of Object.entries(byLocale)) canonical[canonicalTag(locale)] = template
      ;(settings.templates[channel] as Record<string, unknown>)[scene] = canonical
    }
  }
  settings.default_locale = canonicalTag(settings.default_locale)
}

/** Templates may use only the known placeholders, and must show the code. */
function templateProblems(settings: AppSettings): SettingsProblem[] {
  const problems: SettingsProblem[] = []
  for (const channel of CHANNEL_NAMES) {
    for (const [scene, byLocale] of Object.entries(settings.templates[channel])) {
      for (const [locale, entry] of Object.entries(byLocale)) {
        const template = entry as { text: string; subject?: string; html?: string }
        const path = `templates.${channel}.${scene}.${locale}`
        for (const [part, text] of Object.entries(template)) {
          const unknown = unknownPlaceholders(text)
          if (unknown.length > 0) {
            problems.push({
              path: `${path}.${part}`,
              message: `unknown placeholder ${unknown.join(', ')} (allowed: ${PLACEHOLDERS.map((name) => `{${name}}`).join(', ')})`,
            })
          }
        }
        if (!template.text.includes('{code}')) problems.push({ path: `${path}.text`, message: 'must contain {code}' })
        if (template.html !== undefined && !template.html.includes('{code}')) {
          problems.push({ path: `${path}.html`, message: 'must contain {code}' })
        }
      }
    }
  }
  return problems
}

function originProblems(settings: AppSettings): SettingsProblem[] {
  if (settings.web_origin === undefined) return []
  try {
    const url = new URL(settings.web_origin)
    if (url.origin !== settings.web_origin.replace(/\/$/, '') || url.username || url.password)
      throw new Error('not an origin')
    return []
  } catch {
    return [{ path: 'web_origin', message: 'must be an origin such as https://example.com (scheme and host, no path)' }]
  }
}

/** Every setting at its default; pass the registry's schema to include the types' options. */
export function defaultAppSettings(schema: TObject = AppSettingsSchema): AppSettings {
  return Value.Default(schema, {
    channels: { email: {}, sms: {} },
    templates: { sms: {}, email: {} },
  }) as AppSettings
}

/**
 * A channel's fallback must name another registered channel that reaches the same kind of identifier (a phone
 * number for WhatsApp, SMS and calls), and fallbacks may not lead back to where they started.
 */
function fallbackProblems(settings: AppSettings): SettingsProblem[] {
  const problems: SettingsProblem[] = []
  const fallbackOf = (channel: string) =>
    (settings.channels as Record<string, { fallback?: { channel: string } | undefined }>)[channel]?.fallback?.channel
  for (const channel of CHANNEL_NAMES) {
    const target = fallbackOf(channel)
    if (target === undefined) continue
    const path = `channels.${channel}.fallback.channel`
    const other = findChannel(target)
    if (!other) {
      problems.push({ path, message: `unknown channel ${target} (known: ${CHANNEL_NAMES.join(', ')})` })
      continue
    }
    if (other.identifier.kind !== channelNamed(channel).identifier.kind) {
      problems.push({ path, message: `${target} cannot reach the identifiers ${channel} does` })
      continue
    }
    const seen = new Set<string>([channel])
    for (let next: string | undefined = target; next !== undefined; next = fallbackOf(next)) {
      if (seen.has(next)) {
        problems.push({ path, message: `fallbacks lead back to ${next}` })
        break
      }
      seen.add(next)
    }
  }
  return problems
}
