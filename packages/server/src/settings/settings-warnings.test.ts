import { describe, expect, it } from 'vitest'
import type { AppSettings } from './app-settings.js'
import { codeFormatOf, fitsCodeFormat } from './code-format.js'
import { resolveAppSettings } from './resolve-settings.js'
import { weakSettingWarnings } from './settings-warnings.js'

/** Resolved settings with `patch` deep-merged over the defaults, as the admin API stores them. */
const settingsWith = (patch: Record<string, unknown>) => resolveAppSettings(patch)
const warned = (settings: AppSettings) => weakSettingWarnings(settings).map((warning) => warning.setting)

/**
 * @see issue 13, part 9: settings below NIST SP 800-63B are allowed but named.
 */
describe('weak settings are named against NIST SP 800-63B', () => {
  it('names nothing for the defaults', () => {
    expect(weakSettingWarnings(resolveAppSettings({}))).toEqual([])
  })

  it.each(['sms', 'email'])('flags %s digit codes shorter than 6, not 6', (channel) => {
    const five = weakSettingWarnings(settingsWith({ channels: { [channel]: { code_length: 5 } } }))
    expect(five).toEqual([
      {
        setting: `channels.${channel}.code_length`,
        code: 'code_too_short',
        message: expect.stringMatching(/5 digits.*800-63B.*at least 6 digits.*once in 100,000/),
      },
    ])
    expect(warned(settingsWith({ channels: { [channel]: { code_length: 6 } } }))).toEqual([])
  })

  it('flags alphanumeric codes below 6 digits’ entropy (4 of 31 characters), not 5', () => {
    const four = weakSettingWarnings(
      settingsWith({ channels: { email: { code_alphabet: 'alphanumeric', code_length: 4 } } }),
    )
    expect(four).toEqual([
      {
        setting: 'channels.email.code_length',
        code: 'code_too_short',
        message: expect.stringMatching(/4 characters from 31 \(923,521 possible codes/),
      },
    ])
    expect(warned(settingsWith({ channels: { email: { code_alphabet: 'alphanumeric', code_length: 5 } } }))).toEqual([])
  })

  it('flags a code TTL above 600 s, not 600', () => {
    expect(weakSettingWarnings(settingsWith({ channels: { sms: { ttl_seconds: 601 } } }))).toEqual([
      {
        setting: 'channels.sms.ttl_seconds',
        code: 'code_ttl_too_long',
        message: expect.stringMatching(/601 s.*at most 10 minutes/),
      },
    ])
    expect(warned(settingsWith({ channels: { sms: { ttl_seconds: 600 } } }))).toEqual([])
  })

  it('flags max_attempts above 10 per channel and per challenge, not 10', () => {
    const eleven = settingsWith({
      channels: { email: { max_attempts: 11 } },
      challenge: { max_attempts: 11 },
    })
    expect(weakSettingWarnings(eleven)).toEqual([
      {
        setting: 'channels.email.max_attempts',
        code: 'max_attempts_too_high',
        message: expect.stringMatching(/accepts 11 checks.*11 times in 1,000,000/),
      },
      { setting: 'challenge.max_attempts', code: 'max_attempts_too_high', message: expect.stringContaining('11') },
    ])
    expect(
      warned(settingsWith({ channels: { email: { max_attempts: 10 } }, challenge: { max_attempts: 10 } })),
    ).toEqual([])
  })

  it('flags a failed-check budget above 100 a day, counting each window of the day', () => {
    const daily = (max: number, window_seconds: number) =>
      warned(settingsWith({ limits: { failed_checks_per_identifier: { max, window_seconds } } }))
    expect(daily(101, 86_400)).toEqual(['limits.failed_checks_per_identifier'])
    expect(daily(100, 86_400)).toEqual([])
    // 5 an hour is 120 a day; 4 an hour, 96.
    expect(daily(5, 3600)).toEqual(['limits.failed_checks_per_identifier'])
    expect(daily(4, 3600)).toEqual([])
  })

  it('flags a factor lockout past 100 consecutive failures, not 100', () => {
    // The schema caps max_failures at 100: this rule keeps the guidance named if the cap ever moves.
    const settings = settingsWith({ factor_lockout: { max_failures: 100 } })
    expect(warned(settings)).toEqual([])
    const loosened = { ...settings, factor_lockout: { ...settings.factor_lockout, max_failures: 101 } }
    expect(weakSettingWarnings(loosened)).toEqual([
      { setting: 'factor_lockout.max_failures', code: 'factor_lockout_too_lenient', message: expect.any(String) },
    ])
  })

  it('flags custom codes, which Tessera cannot vouch were randomly generated', () => {
    expect(warned(settingsWith({ allow_custom_code: true }))).toEqual(['allow_custom_code'])
    expect(warned(settingsWith({ allow_custom_code: false }))).toEqual([])
  })

  it('names each weak setting once, in settings order, when several are weak', () => {
    const settings = settingsWith({ channels: { sms: { code_length: 4, ttl_seconds: 900, max_attempts: 12 } } })
    const warnings = weakSettingWarnings(settings)
    expect(warnings.map((warning) => [warning.setting, warning.code])).toEqual([
      ['channels.sms.code_length', 'code_too_short'],
      ['channels.sms.ttl_seconds', 'code_ttl_too_long'],
      ['channels.sms.max_attempts', 'max_attempts_too_high'],
    ])
    expect(warnings[1]?.message).toContain('900 s (15 min)')
    expect(warnings[2]?.message).toContain('12 times in 10,000')
  })

  it('reads channels as a map: a channel it has never heard of is checked like the others', () => {
    const settings = resolveAppSettings({})
    const withWhatsapp = {
      ...settings,
      channels: { ...settings.channels, whatsapp: { ...settings.channels.email, code_length: 4 } },
    } as AppSettings
    expect(warned(withWhatsapp)).toEqual(['channels.whatsapp.code_length'])
  })
})

describe('codeFormatOf', () => {
  it('answers the channel’s length and alphabet, or undefined for no such channel', () => {
    const settings = settingsWith({ channels: { sms: { code_length: 4 }, email: { code_alphabet: 'alphanumeric' } } })
    expect(codeFormatOf(settings, 'sms')).toEqual({ length: 4, alphabet: 'digits', characters: '0123456789' })
    expect(codeFormatOf(settings, 'email')).toMatchObject({ length: 6, alphabet: 'alphanumeric' })
    expect(codeFormatOf(settings, 'pigeon')).toBeUndefined()
    expect(codeFormatOf(settings, 'constructor')).toBeUndefined()
  })

  it('fits only codes of the length, from the alphabet', () => {
    const settings = settingsWith({ channels: { email: { code_alphabet: 'alphanumeric' } } })
    const digits = codeFormatOf(settings, 'sms')
    const letters = codeFormatOf(settings, 'email')
    if (!digits || !letters) throw new Error('both channels exist')
    expect(fitsCodeFormat(digits, '123456')).toBe(true)
    expect(fitsCodeFormat(digits, '12345')).toBe(false)
    expect(fitsCodeFormat(digits, '1234567')).toBe(false)
    expect(fitsCodeFormat(digits, '12345A')).toBe(false)
    expect(fitsCodeFormat(letters, 'ABC234')).toBe(true)
    // 0, O, 1, I and L are left out of the alphanumeric alphabet.
    expect(fitsCodeFormat(letters, 'ABC230')).toBe(false)
    expect(fitsCodeFormat(letters, 'abc234')).toBe(false)
  })
})
