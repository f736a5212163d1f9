import { describe, expect, it, vi } from 'vitest'

// Counts compilations: a text is parsed once per locale and key, however often it is formatted.
const compiled = vi.hoisted(() => ({ sources: [] as string[] }))
vi.mock('intl-messageformat', async (importOriginal) => {
  const original = await importOriginal<typeof import('intl-messageformat')>()
  class CountingMessageFormat extends original.IntlMessageFormat {
    constructor(...args: ConstructorParameters<typeof original.IntlMessageFormat>) {
      super(...args)
      if (typeof args[0] === 'string') compiled.sources.push(args[0])
    }
  }
  return { ...original, IntlMessageFormat: CountingMessageFormat }
})

const { channelTexts, pageText } = await import('./translate.js')

const resendTooSoon = (locale: string, seconds: number) => pageText(locale, 'error_resend_too_soon', { seconds })
const expiry = (locale: string, minutes: number) => channelTexts('email').text(locale, 'expiry', { minutes })
const sms = (locale: string, minutes: number) =>
  channelTexts('sms').text(locale, 'message', { app_name: 'Acme', code: '482913', minutes })
const codeHint = (locale: string, length: number) => pageText(locale, 'code_hint', { length })

describe('plural forms', () => {
  it('English: 1 second, 2 seconds; 1 minute, 5 minutes', () => {
    expect([1, 2, 5, 21].map((n) => resendTooSoon('en', n))).toEqual([
      'Please wait 1 second before asking for another code.',
      'Please wait 2 seconds before asking for another code.',
      'Please wait 5 seconds before asking for another code.',
      'Please wait 21 seconds before asking for another code.',
    ])
    expect([1, 2, 5, 21].map((n) => expiry('en', n))).toEqual([
      'It expires in 1 minute.',
      'It expires in 2 minutes.',
      'It expires in 5 minutes.',
      'It expires in 21 minutes.',
    ])
    expect(sms('en', 1)).toBe(
      "Your Acme verification code is 482913. It expires in 1 minute. Don't share it with anyone.",
    )
    expect(sms('en', 5)).toContain('It expires in 5 minutes.')
    expect(codeHint('en', 6)).toBe('The code has 6 characters.')
  })

  it('Russian: one (1, 21), few (2), many (5)', () => {
    expect([1, 2, 5, 21].map((n) => expiry('ru', n))).toEqual([
      'Код действует 1 минуту.',
      'Код действует 2 минуты.',
      'Код действует 5 минут.',
      'Код действует 21 минуту.',
    ])
    expect([1, 2, 5, 21].map((n) => codeHint('ru', n))).toEqual([
      'Длина кода — 1 символ.',
      'Длина кода — 2 символа.',
      'Длина кода — 5 символов.',
      'Длина кода — 21 символ.',
    ])
  })

  it('Arabic: one and two in words, few (3–10) and many (11–99) with the number', () => {
    expect([1, 2, 5, 21].map((n) => resendTooSoon('ar', n))).toEqual([
      'يُرجى الانتظار ثانية واحدة قبل طلب رمز آخر.',
      'يُرجى الانتظار ثانيتين قبل طلب رمز آخر.',
      'يُرجى الانتظار 5 ثوانٍ قبل طلب رمز آخر.',
      'يُرجى الانتظار 21 ثانية قبل طلب رمز آخر.',
    ])
    expect([1, 2, 5, 21].map((n) => expiry('ar', n))).toEqual([
      'تنتهي صلاحية الرمز خلال دقيقة واحدة.',
      'تنتهي صلاحية الرمز خلال دقيقتين.',
      'تنتهي صلاحية الرمز خلال 5 دقائق.',
      'تنتهي صلاحية الرمز خلال 21 دقيقة.',
    ])
    expect(sms('ar', 2)).toContain('صالح لمدة دقيقتين.')
  })

  it('French: one (1), other (2, 5, 21)', () => {
    expect([1, 2, 5, 21].map((n) => resendTooSoon('fr', n))).toEqual([
      'Veuillez patienter 1 seconde avant de demander un autre code.',
      'Veuillez patienter 2 secondes avant de demander un autre code.',
      'Veuillez patienter 5 secondes avant de demander un autre code.',
      'Veuillez patienter 21 secondes avant de demander un autre code.',
    ])
    expect([1, 2, 5, 21].map((n) => expiry('fr', n))).toEqual([
      'Il expire dans 1 minute.',
      'Il expire dans 2 minutes.',
      'Il expire dans 5 minutes.',
      'Il expire dans 21 minutes.',
    ])
    expect(sms('fr', 1)).toContain('Il expire dans 1 minute.')
  })

  it('prints counts as given: no grouping, no locale digits', () => {
    expect(expiry('en', 1000)).toBe('It expires in 1000 minutes.')
    expect(expiry('ar', 15)).toBe('تنتهي صلاحية الرمز خلال 15 دقيقة.')
  })

  it('Tries left: n, in any count', () => {
    expect(pageText('en', 'error_wrong_code', { n: 1 })).toBe('That code is not right. Tries left: 1.')
  })
})

describe('lookup', () => {
  it('answers English for a locale Tessera does not ship', () => {
    expect(pageText('nl', 'verify')).toBe('Verify')
    expect(expiry('nl', 2)).toBe('It expires in 2 minutes.')
    expect(pageText('constructor', 'verify')).toBe('Verify')
  })

  it('fills values without evaluating them', () => {
    expect(pageText('en', 'expired_text', { app: '{to} <b>' })).toBe('Go back to {to} <b> and start again.')
  })

  it('compiles each text once per locale and key, however often and with whatever values it is formatted', () => {
    const before = compiled.sources.length
    for (let minutes = 1; minutes <= 30; minutes++) {
      expiry('de', minutes)
      channelTexts('email').text('de', 'expiry', { minutes })
      resendTooSoon('de', minutes)
    }
    const fresh = compiled.sources.slice(before)
    expect(fresh.filter((source) => source.startsWith('Der Code ist'))).toHaveLength(1)
    expect(fresh.filter((source) => source.startsWith('Bitte warten Sie'))).toHaveLength(1)
  })
})

describe('a channel’s own texts', () => {
  const whatsapp = {
    title: 'Verify your WhatsApp number',
    lead: '{app} will send a code to this number on WhatsApp.',
    tab: 'WhatsApp',
    label: 'WhatsApp number',
    change: 'Use a different number',
    error_invalid: 'Enter a valid WhatsApp number.',
    message: '{code} is your {app_name} code. {minutes, plural, one {{minutes} minute} other {{minutes} minutes}}.',
  }
  const texts = channelTexts('viber', {
    en: whatsapp,
    fr: {
      ...whatsapp,
      title: 'Vérifiez votre numéro WhatsApp',
      message: '{code} est votre code {app_name}. {minutes, plural, one {{minutes} minute} other {{minutes} minutes}}.',
    },
  })

  it('serves the channel’s own locale, then its English, with the locale’s plural rules', () => {
    expect(texts.text('fr', 'title')).toBe('Vérifiez votre numéro WhatsApp')
    expect(texts.text('de', 'title')).toBe('Verify your WhatsApp number')
    expect(texts.text('fr', 'message', { code: '1', app_name: 'Acme', minutes: 0 })).toBe(
      '1 est votre code Acme. 0 minute.',
    )
    expect(texts.text('en', 'message', { code: '1', app_name: 'Acme', minutes: 0 })).toBe(
      '1 is your Acme code. 0 minutes.',
    )
  })

  it('needs no locale file to name the channel; a name alone must be one the files hold', () => {
    expect(channelTexts('sms').text('de', 'tab')).toBe('SMS')
    expect(() => channelTexts('carrier-pigeon')).toThrow(TypeError)
  })
})
