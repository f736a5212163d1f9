import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { AppError } from '../../errors/app-error.js'
import { checkDeliveredCode, deliveredCodePlan } from '../delivered-code.js'
import { type CodeDelivery, defineVerifier } from '../verifier.js'

/** Phone numbers must be international (`+` and country code); we never guess a country. */
const smsIdentifiers: CodeDelivery = {
  channel: 'sms',
  normalizeIdentifier(raw: string): string | undefined {
    const trimmed = raw.trim()
    // Only a number and its usual formatting: libphonenumber would otherwise pick a number out of any text.
    if (trimmed.length > 32 || !/^\+[0-9 ().-]+$/.test(trimmed)) return undefined
    const phone = parsePhoneNumberFromString(trimmed)
    if (!phone?.isValid()) return undefined
    return phone.number
  },
  maskIdentifier(normalized: string): string {
    // Keep "+" and the first two digits (country) and the last two: enough for a person to recognise.
    if (normalized.length <= 6) return `${normalized.slice(0, 2)}${'*'.repeat(Math.max(0, normalized.length - 2))}`
    return `${normalized.slice(0, 3)}${'*'.repeat(normalized.length - 5)}${normalized.slice(-2)}`
  },
}

export function invalidPhone(): AppError {
  return new AppError('invalid_identifier', {
    message: 'to must be a valid phone number in international format (E.164, e.g. +14155552671).',
  })
}

/** One-time codes by SMS: a factor is a confirmed phone number, activated by its first code. */
export const smsVerifier = defineVerifier({
  type: 'sms',
  delivery: smsIdentifiers,
  async bind(request) {
    const identifier = request.to === undefined ? undefined : smsIdentifiers.normalizeIdentifier(request.to)
    if (identifier === undefined) throw invalidPhone()
    return { status: 'pending', identifier }
  },
  challenge: (ctx) => deliveredCodePlan(ctx.settings.channels.sms),
  check: checkDeliveredCode,
})
