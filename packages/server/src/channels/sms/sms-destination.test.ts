import { type CountryCode, getCountries, getExampleNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max'
import examples from 'libphonenumber-js/mobile/examples'
import { describe, expect, it } from 'vitest'
import { defaultAppSettings, resolveAppSettings } from '../../settings/resolve-settings.js'
import { judgeSmsDestination, smsDestinationOf } from './sms-destination.js'
import type { SmsSettings } from './sms-settings.js'

const defaults = (): SmsSettings => defaultAppSettings().channels.sms
const policy = (sms: Record<string, unknown>): SmsSettings => resolveAppSettings({ channels: { sms } }).channels.sms

/** Numbers whose libphonenumber type the tests rely on; each is checked below so a metadata update cannot silently change a test. */
const NUMBERS = {
  usLandlineOrMobile: { e164: '+14155552671', country: 'US', type: 'FIXED_LINE_OR_MOBILE' },
  gbMobile: { e164: '+447400123456', country: 'GB', type: 'MOBILE' },
  frMobile: { e164: '+33612345678', country: 'FR', type: 'MOBILE' },
  deMobile: { e164: '+491701234567', country: 'DE', type: 'MOBILE' },
  usPremium: { e164: '+19005551234', country: 'US', type: 'PREMIUM_RATE' },
  gbPremium: { e164: '+449012345678', country: 'GB', type: 'PREMIUM_RATE' },
  frPremium: { e164: '+33891123456', country: 'FR', type: 'PREMIUM_RATE' },
  frSharedCost: { e164: '+33810488651', country: 'FR', type: 'SHARED_COST' },
  usTollFree: { e164: '+18884446442', country: 'US', type: 'TOLL_FREE' },
  gbPager: { e164: '+447623388728', country: 'GB', type: 'PAGER' },
  gbUan: { e164: '+445540394646', country: 'GB', type: 'UAN' },
  gbVoip: { e164: '+445642135321', country: 'GB', type: 'VOIP' },
  gbPersonal: { e164: '+447031234567', country: 'GB', type: 'PERSONAL_NUMBER' },
  // Non-geographic ranges (no ISO country).
  intlNetwork882: { e164: '+8821073779713', country: undefined, type: 'VOIP' },
  intlNetwork883: { e164: '+88338052849', country: undefined, type: 'VOIP' },
  satellite881: { e164: '+881612345678', country: undefined, type: 'MOBILE' },
  inmarsat870: { e164: '+870773111632', country: undefined, type: 'MOBILE' },
  sharedCost808: { e164: '+80827626402', country: undefined, type: 'SHARED_COST' },
  premium979: { e164: '+979123456789', country: undefined, type: 'PREMIUM_RATE' },
} as const

describe('the example numbers', () => {
  it.each(Object.entries(NUMBERS))('%s is valid and classified as the tests assume', (_name, number) => {
    const phone = parsePhoneNumberFromString(number.e164)
    expect(phone?.isValid()).toBe(true)
    expect(phone?.number).toBe(number.e164)
    expect(phone?.country).toBe(number.country)
    expect(phone?.getType()).toBe(number.type)
  })
})

describe('smsDestinationOf', () => {
  it('names the ISO country and the prefix: calling code plus the next four digits', () => {
    expect(smsDestinationOf('+14155552671')).toEqual({ country: 'US', prefix: '+14155' })
    expect(smsDestinationOf('+447400123456')).toEqual({ country: 'GB', prefix: '+447400' })
    expect(smsDestinationOf('+491701234567')).toEqual({ country: 'DE', prefix: '+491701' })
  })

  it('names a non-geographic number by its calling code', () => {
    expect(smsDestinationOf(NUMBERS.intlNetwork882.e164)).toEqual({ country: '+882', prefix: '+8821073' })
    expect(smsDestinationOf(NUMBERS.premium979.e164).country).toBe('+979')
  })

  it('gives numbers of one range one prefix and other ranges another', () => {
    expect(smsDestinationOf('+447400123456').prefix).toBe(smsDestinationOf('+447400999999').prefix)
    expect(smsDestinationOf('+447400123456').prefix).not.toBe(smsDestinationOf('+447401123456').prefix)
  })

  it('never throws on a string libphonenumber cannot parse', () => {
    expect(() => smsDestinationOf('+')).not.toThrow()
    expect(() => smsDestinationOf('')).not.toThrow()
    expect(smsDestinationOf('+9991234567').country).toBe('+999')
  })
})

describe('judgeSmsDestination with the default policy', () => {
  it.each([NUMBERS.usLandlineOrMobile, NUMBERS.gbMobile, NUMBERS.frMobile, NUMBERS.deMobile])(
    'allows the ordinary number $e164',
    ({ e164 }) => {
      expect(judgeSmsDestination(e164, defaults())).toMatchObject({ allowed: true })
    },
  )

  it('allows the example mobile number of every country outside the default-blocked ranges', () => {
    const refused: string[] = []
    let checked = 0
    for (const country of getCountries()) {
      const example = getExampleNumber(country as CountryCode, examples)
      if (!example) continue
      checked++
      const verdict = judgeSmsDestination(example.number, defaults())
      if (!verdict.allowed) refused.push(`${country} ${example.number} (${verdict.reason})`)
    }
    expect(checked).toBeGreaterThan(200)
    expect(refused).toEqual([])
  })

  it.each([
    ['+882 international networks', NUMBERS.intlNetwork882.e164],
    ['+883 international networks', NUMBERS.intlNetwork883.e164],
    ['+881 satellite', NUMBERS.satellite881.e164],
    ['+870 Inmarsat', NUMBERS.inmarsat870.e164],
    ['+808 international shared cost', NUMBERS.sharedCost808.e164],
    ['+979 international premium rate', NUMBERS.premium979.e164],
  ])('refuses the %s range by prefix', (_name, e164) => {
    expect(judgeSmsDestination(e164, defaults())).toMatchObject({ allowed: false, reason: 'blocked_prefix' })
  })

  it.each([
    ['PREMIUM_RATE', NUMBERS.usPremium.e164],
    ['PREMIUM_RATE', NUMBERS.gbPremium.e164],
    ['PREMIUM_RATE', NUMBERS.frPremium.e164],
    ['SHARED_COST', NUMBERS.frSharedCost.e164],
    ['TOLL_FREE', NUMBERS.usTollFree.e164],
    ['PAGER', NUMBERS.gbPager.e164],
    ['UAN', NUMBERS.gbUan.e164],
  ])('refuses the number type %s (%s)', (_type, e164) => {
    expect(judgeSmsDestination(e164, defaults())).toMatchObject({ allowed: false, reason: 'blocked_number_type' })
  })

  it('allows VoIP and personal numbers by default', () => {
    expect(judgeSmsDestination(NUMBERS.gbVoip.e164, defaults())).toMatchObject({ allowed: true })
    expect(judgeSmsDestination(NUMBERS.gbPersonal.e164, defaults())).toMatchObject({ allowed: true })
  })

  it('reports the destination with every verdict', () => {
    expect(judgeSmsDestination(NUMBERS.usPremium.e164, defaults())).toMatchObject({
      destination: { country: 'US', prefix: '+19005' },
    })
  })
})

describe('judgeSmsDestination with an app policy', () => {
  it('refuses VoIP numbers only once VOIP is among the blocked number types', () => {
    const strict = policy({ blocked_number_types: ['PREMIUM_RATE', 'VOIP'] })
    expect(judgeSmsDestination(NUMBERS.gbVoip.e164, strict)).toMatchObject({
      allowed: false,
      reason: 'blocked_number_type',
    })
    expect(judgeSmsDestination(NUMBERS.gbMobile.e164, strict)).toMatchObject({ allowed: true })
    // The list replaces the default one: toll-free is no longer in it.
    expect(judgeSmsDestination(NUMBERS.usTollFree.e164, strict)).toMatchObject({ allowed: true })
  })

  it('refuses blocked countries and nothing else', () => {
    const rules = policy({ blocked_countries: ['FR', 'DE'] })
    expect(judgeSmsDestination(NUMBERS.frMobile.e164, rules)).toMatchObject({
      allowed: false,
      reason: 'blocked_country',
    })
    expect(judgeSmsDestination(NUMBERS.deMobile.e164, rules)).toMatchObject({
      allowed: false,
      reason: 'blocked_country',
    })
    expect(judgeSmsDestination(NUMBERS.gbMobile.e164, rules)).toMatchObject({ allowed: true })
    expect(judgeSmsDestination(NUMBERS.usLandlineOrMobile.e164, rules)).toMatchObject({ allowed: true })
  })

  it('allows only the allowed countries when the allow list is not empty', () => {
    const rules = policy({ allowed_countries: ['GB', 'US'] })
    expect(judgeSmsDestination(NUMBERS.gbMobile.e164, rules)).toMatchObject({ allowed: true })
    expect(judgeSmsDestination(NUMBERS.usLandlineOrMobile.e164, rules)).toMatchObject({ allowed: true })
    expect(judgeSmsDestination(NUMBERS.frMobile.e164, rules)).toMatchObject({
      allowed: false,
      reason: 'blocked_country',
    })
  })

  it('lets a blocked country win over the same country in the allow list', () => {
    const rules = policy({ allowed_countries: ['GB', 'FR'], blocked_countries: ['FR'] })
    expect(judgeSmsDestination(NUMBERS.frMobile.e164, rules)).toMatchObject({
      allowed: false,
      reason: 'blocked_country',
    })
    expect(judgeSmsDestination(NUMBERS.gbMobile.e164, rules)).toMatchObject({ allowed: true })
  })

  it('refuses a non-geographic number when an allow list is set (it is in no country)', () => {
    const rules = policy({ allowed_countries: ['GB'], blocked_prefixes: [], blocked_number_types: [] })
    expect(judgeSmsDestination(NUMBERS.intlNetwork882.e164, rules)).toMatchObject({
      allowed: false,
      reason: 'blocked_country',
    })
  })

  it('applies custom prefixes, and an emptied list unblocks the default ranges', () => {
    const custom = policy({ blocked_prefixes: ['+4474'] })
    expect(judgeSmsDestination(NUMBERS.gbMobile.e164, custom)).toMatchObject({
      allowed: false,
      reason: 'blocked_prefix',
    })
    expect(judgeSmsDestination('+447939594749', custom)).toMatchObject({ allowed: true })

    const open = policy({ blocked_prefixes: [], blocked_number_types: [] })
    expect(judgeSmsDestination(NUMBERS.intlNetwork882.e164, open)).toMatchObject({ allowed: true })
    expect(judgeSmsDestination(NUMBERS.usPremium.e164, open)).toMatchObject({ allowed: true })
  })

  it('checks prefixes before countries and countries before number types', () => {
    const rules = policy({ blocked_prefixes: ['+1900'], blocked_countries: ['US'] })
    expect(judgeSmsDestination(NUMBERS.usPremium.e164, rules)).toMatchObject({ reason: 'blocked_prefix' })
    const noPrefix = policy({ blocked_prefixes: [], blocked_countries: ['US'] })
    expect(judgeSmsDestination(NUMBERS.usPremium.e164, noPrefix)).toMatchObject({ reason: 'blocked_country' })
  })
})

describe('the SMS policy settings', () => {
  it('default to allow-all with the documented blocked prefixes and number types', () => {
    expect(defaults()).toMatchObject({
      allowed_countries: [],
      blocked_countries: [],
      blocked_prefixes: ['+870', '+808', '+881', '+882', '+883', '+979'],
      blocked_number_types: ['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'PAGER', 'UAN', 'VOICEMAIL'],
      conversion_guard: { enabled: false, window_seconds: 3600, min_sends: 50, min_conversion_rate: 0.2 },
    })
  })

  it.each([
    [{ allowed_countries: ['gb'] }, 'allowed_countries'],
    [{ blocked_countries: ['GBR'] }, 'blocked_countries'],
    [{ blocked_prefixes: ['882'] }, 'blocked_prefixes'],
    [{ blocked_number_types: ['SATELLITE'] }, 'blocked_number_types'],
    [{ conversion_guard: { min_conversion_rate: 2 } }, 'conversion_guard'],
    [{ conversion_guard: { window_seconds: 1 } }, 'conversion_guard'],
  ])('refuses the invalid policy %j naming %s', (sms, field) => {
    expect(() => policy(sms)).toThrow(field)
  })
})
