import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { AppError } from '../errors/app-error.js'

/**
 * A phone number in E.164 (`+14155552671`), or undefined when the input is not a valid international
 * number. Numbers must carry `+` and a country code: Tessera never guesses a country.
 */
export function normalizePhoneNumber(raw: string): string | undefined {
  const trimmed = raw.trim()
  // Only a number and its usual formatting: libphonenumber would otherwise pick a number out of any text.
  if (trimmed.length > 32 || !/^\+[0-9 ().-]+$/.test(trimmed)) return undefined
  const phone = parsePhoneNumberFromString(trimmed)
  if (!phone?.isValid()) return undefined
  return phone.number
}

/**
 * The one masked form of a phone number, in every answer, event and page (`+14*******71`): `+`, the first
 * two digits and the last two stay, enough for a person to recognise their own number, not to read it.
 */
export function maskPhoneNumber(phone: string): string {
  if (phone.length <= 6) return `${phone.slice(0, 2)}${'*'.repeat(Math.max(0, phone.length - 2))}`
  return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 5)}${phone.slice(-2)}`
}

export function invalidPhoneNumber(): AppError {
  return new AppError('invalid_identifier', {
    message: 'to must be a valid phone number in international format (E.164, e.g. +14155552671).',
  })
}
