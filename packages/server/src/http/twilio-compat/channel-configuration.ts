import {
  MAX_SUBSTITUTION_VALUE_LENGTH,
  MAX_SUBSTITUTIONS,
  type MessageOptions,
  SUBSTITUTION_NAME,
} from '../../delivery/message-options.js'
import { normalizeEmailAddress } from '../../identifiers/email-address.js'
import { type Form, invalidParameter, stringField } from './form-fields.js'

/** Control characters: none in a sender's name; in a substitution, line breaks and tabs only. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/
const TEMPLATE_KEY = /^(?:\*|[a-z0-9-]{1,64})$/
const MAX_FROM_NAME_LENGTH = 100

const invalid = (field: string, why: string) => invalidParameter(`ChannelConfiguration.${field}`, why)

function optionalString(config: Record<string, unknown>, field: string): string | undefined {
  const value = config[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalid(field, 'a string')
  return value
}

function substitutionsOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('substitutions', 'an object of strings')
  const entries = Object.entries(value)
  if (entries.length > MAX_SUBSTITUTIONS) throw invalid('substitutions', `at most ${MAX_SUBSTITUTIONS} entries`)
  for (const [name, text] of entries) {
    if (!SUBSTITUTION_NAME.test(name)) {
      throw invalid('substitutions', 'names of 1–64 letters, digits or underscores')
    }
    if (typeof text !== 'string') throw invalid(`substitutions.${name}`, 'a string')
    if (text.length > MAX_SUBSTITUTION_VALUE_LENGTH || CONTROL_BUT_LINE_BREAKS.test(text)) {
      throw invalid(
        `substitutions.${name}`,
        `at most ${MAX_SUBSTITUTION_VALUE_LENGTH} characters, no control characters`,
      )
    }
  }
  // fromEntries defines own properties: a `__proto__` name stays a name, never the object's prototype.
  return Object.fromEntries(entries) as Record<string, string>
}

/**
 * `ChannelConfiguration` (a JSON object; the helper libraries send it serialised) read into the message's
 * options: Twilio's email fields `from`, `from_name`, `template_id` and `substitutions`. Other fields are
 * ignored, as Twilio ignores those a channel does not use. Whether `template_id` names one of the app's
 * templates is the core's to say (it knows the app's templates); the shapes are checked here.
 */
export function channelConfigurationOf(form: Form): MessageOptions | undefined {
  const text = stringField(form, 'ChannelConfiguration', { maxLength: 4096 })
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw invalidParameter('ChannelConfiguration', 'a JSON object')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter('ChannelConfiguration', 'a JSON object')
  }
  const config = parsed as Record<string, unknown>
  const from = optionalString(config, 'from')
  const address = from === undefined ? undefined : normalizeEmailAddress(from)
  if (from !== undefined && address === undefined) throw invalid('from', 'an email address')
  const name = optionalString(config, 'from_name')?.trim()
  if (name !== undefined && (name.length === 0 || name.length > MAX_FROM_NAME_LENGTH || CONTROL.test(name))) {
    throw invalid('from_name', `1–${MAX_FROM_NAME_LENGTH} characters, no control characters`)
  }
  const templateKey = optionalString(config, 'template_id')
  if (templateKey !== undefined && !TEMPLATE_KEY.test(templateKey)) {
    throw invalid('template_id', "the name of one of the app's templates (a scene, or *)")
  }
  const substitutions = substitutionsOf(config.substitutions)
  return {
    ...(address !== undefined || name !== undefined ? { sender: { address, name } } : {}),
    ...(templateKey === undefined ? {} : { templateKey }),
    ...(substitutions === undefined ? {} : { substitutions }),
  }
}
