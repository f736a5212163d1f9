import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { SmsSettings } from './sms-settings.js'

export interface SmsDestination {
  /** ISO 3166-1 alpha-2, or the calling code (`+882`) for non-geographic numbers. */
  readonly country: string
  /** Country calling code and the next four digits: the velocity key for number ranges. */
  readonly prefix: string
}

export type SmsGuardVerdict =
  | { readonly allowed: true; readonly destination: SmsDestination }
  | {
      readonly allowed: false
      readonly reason: 'blocked_country' | 'blocked_prefix' | 'blocked_number_type'
      readonly destination: SmsDestination
    }

export function smsDestinationOf(e164: string): SmsDestination {
  const phone = parsePhoneNumberFromString(e164)
  const callingCode = phone?.countryCallingCode ?? e164.slice(1, 4)
  const national = phone?.nationalNumber ?? e164.slice(1 + callingCode.length)
  return { country: phone?.country ?? `+${callingCode}`, prefix: `+${callingCode}${national.slice(0, 4)}` }
}

/**
 * The SMS pumping guard's static part: where an SMS may go at all. Numbers in
 * premium-rate or international-network ranges, and number types that cannot
 * receive a code, are refused before anything is sent or counted.
 */
export function judgeSmsDestination(e164: string, policy: SmsSettings): SmsGuardVerdict {
  const destination = smsDestinationOf(e164)
  if (policy.blocked_prefixes.some((prefix) => e164.startsWith(prefix))) {
    return { allowed: false, reason: 'blocked_prefix', destination }
  }
  const country = destination.country
  if (policy.blocked_countries.includes(country)) return { allowed: false, reason: 'blocked_country', destination }
  if (policy.allowed_countries.length > 0 && !policy.allowed_countries.includes(country)) {
    return { allowed: false, reason: 'blocked_country', destination }
  }
  const type = parsePhoneNumberFromString(e164)?.getType()
  if (type !== undefined && (policy.blocked_number_types as readonly string[]).includes(type)) {
    return { allowed: false, reason: 'blocked_number_type', destination }
  }
  return { allowed: true, destination }
}
