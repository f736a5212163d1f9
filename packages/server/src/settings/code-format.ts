import { CODE_ALPHABETS, type CodeAlphabet } from '../crypto/secrets.js'
import type { AppSettings, ChannelSettings } from './app-settings.js'

/**
 * The shape of the codes one delivered-code channel sends: how many
 * characters, drawn from which alphabet. Tessera's own codes are generated
 * to it; a `custom_code` should be held to it too.
 */
export interface CodeFormat {
  /** Characters in a code (`code_length`). */
  readonly length: number
  /** The alphabet's name as settings spell it (`code_alphabet`). */
  readonly alphabet: CodeAlphabet
  /** Every character a code may hold, as the generator draws them (upper case for `alphanumeric`). */
  readonly characters: string
}

/**
 * The channels that deliver codes, by name, as the settings hold them.
 * Read as a map so a channel added to the settings needs nothing here.
 */
export function codeChannels(settings: AppSettings): [string, ChannelSettings][] {
  return Object.entries(settings.channels as Record<string, ChannelSettings>)
}

/**
 * The code format of `channel` under `settings`, or undefined when the app
 * has no such delivered-code channel.
 */
export function codeFormatOf(settings: AppSettings, channel: string): CodeFormat | undefined {
  const policy = Object.hasOwn(settings.channels, channel)
    ? (settings.channels as Record<string, ChannelSettings>)[channel]
    : undefined
  if (!policy) return undefined
  return {
    length: policy.code_length,
    alphabet: policy.code_alphabet,
    characters: CODE_ALPHABETS[policy.code_alphabet],
  }
}

/**
 * Whether `code`, already normalized as a person's input is (spaces and
 * dashes removed, upper case: `normalizeCodeInput`), has the format's length
 * and only its characters.
 */
export function fitsCodeFormat(format: CodeFormat, code: string): boolean {
  return code.length === format.length && [...code].every((character) => format.characters.includes(character))
}

/** How many different codes the format allows: a guess succeeds once in this many. */
export function codeSpace(format: Pick<CodeFormat, 'length' | 'characters'>): number {
  return format.characters.length ** format.length
}
