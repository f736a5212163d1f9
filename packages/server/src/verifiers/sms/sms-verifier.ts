import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { defineVerifier } from '../verifier.js'

/** Phone numbers must be international (`+` and country code); we never guess a country. */
export const smsVerifier = defineVerifier({
  type: 'sms',
  normalizeIdentifier(raw: string): string | undefined {
    const trimmed = raw.trim()
    if (trimmed.length === 0 || trimmed.length > 32 || !trimmed.startsWith('+')) return undefined
    const phone = parsePhoneNumberFromString(trimmed)
    if (!phone?.isValid()) return undefined
    return phone.number
  },
  maskIdentifier(normalized: string): string {
    // Keep "+" and the first two digits (country) and the last two: enough for a person to recognise.
    if (normalized.length <= 6) return `${normalized.slice(0, 2)}${'*'.repeat(Math.max(0, normalized.length - 2))}`
    return `${normalized.slice(0, 3)}${'*'.repeat(normalized.length - 5)}${normalized.slice(-2)}`
  },
})
