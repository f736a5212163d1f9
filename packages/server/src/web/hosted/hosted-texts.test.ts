import { describe, expect, it } from 'vitest'
import { BUILT_IN_CHANNELS } from '../../channels/built-in-channels.js'
import { BUILT_IN_LOCALES } from '../../i18n/built-in-locales.js'
import { SUPPORTED_LOCALES } from '../../i18n/locale.js'
import type { ChannelPageTexts } from '../../i18n/locale-texts.js'
import { textArguments } from '../../i18n/text-arguments.js'
import { type ChannelTexts, channelTexts } from '../../i18n/translate.js'
import { BUILT_IN_VERIFIERS } from '../../verifiers/built-in-verifiers.js'
import { type HostedTextKey, hostedTexts } from './hosted-texts.js'

/** Every value a hosted page passes to its texts. */
const VALUES = { app: 'Acme', to: '+1 *** 71', n: 3, seconds: 30, length: 6, time: '0:30' }
const CHANNEL_KEYS: readonly (keyof ChannelPageTexts)[] = ['title', 'lead', 'tab', 'label', 'change', 'error_invalid']

/** Every channel's and verification type's texts (a ceremony type such as passkey brings its own), once each. */
const SHIPPED_TEXTS: readonly ChannelTexts<string>[] = [
  ...new Map(
    [...BUILT_IN_CHANNELS.map((channel) => channel.texts), ...BUILT_IN_VERIFIERS.map((verifier) => verifier.texts)]
      .filter((texts) => texts !== undefined)
      .map((texts) => [texts.channel, texts]),
  ).values(),
]

/** What `texts` lacks in `locale` against English: a missing locale, a missing or extra key, other arguments. */
function gaps(texts: ChannelTexts<string>, locale: string): string[] {
  const english = texts.written('en') ?? {}
  const written = texts.written(locale)
  if (!written) return [`${texts.channel}: no ${locale} texts`]
  const found: string[] = []
  for (const key of new Set([...Object.keys(english), ...Object.keys(written)])) {
    const source = written[key]
    const reference = english[key]
    if (source === undefined || source.trim() === '') found.push(`${texts.channel}.${key}: missing in ${locale}`)
    else if (reference === undefined) found.push(`${texts.channel}.${key}: in ${locale} but not in en`)
    else if (textArguments(source, locale).names.join() !== textArguments(reference, 'en').names.join())
      found.push(`${texts.channel}.${key}: ${locale} asks for other arguments than en`)
  }
  return found
}

describe('hosted page texts', () => {
  it.each(SUPPORTED_LOCALES)('%s: every text renders with the values the pages give, none left unfilled', (locale) => {
    const t = hostedTexts(locale)
    for (const key of Object.keys(BUILT_IN_LOCALES.en.pages) as HostedTextKey[]) {
      const text = t.text(key, VALUES)
      expect(text.trim(), `${locale}.${key}`).not.toBe('')
      expect(text, `${locale}.${key}`).not.toMatch(/[{}]/)
    }
    for (const channel of Object.keys(BUILT_IN_LOCALES.en.channels)) {
      for (const key of CHANNEL_KEYS)
        expect(t.channel(channel, key, VALUES), `${locale}.${channel}.${key}`).not.toMatch(/[{}]/)
    }
  })

  it.each(SUPPORTED_LOCALES)(
    '%s: every channel and verification type has all its texts, with the arguments of en',
    (locale) => {
      expect(SHIPPED_TEXTS.map((texts) => texts.channel)).toContain('passkey')
      for (const texts of SHIPPED_TEXTS) {
        expect(gaps(texts, locale)).toEqual([])
        for (const [key, english] of Object.entries(texts.written('en') ?? {})) {
          // Messages (sms, email) ask for more than the pages give: a count for each of those.
          const asked = Object.fromEntries(textArguments(english, 'en').names.map((name) => [name, 3]))
          const text = texts.text(locale, key, { ...asked, ...VALUES })
          expect(text, `${locale}.${texts.channel}.${key}`).not.toMatch(/[{}]/)
        }
      }
    },
  )

  it('finds a locale, a key or an argument that a type’s own texts lack', () => {
    const en = { ...BUILT_IN_LOCALES.en.channels.sms, extra: 'Sent to {to}' }
    const partial = channelTexts('viber', {
      en,
      fr: { ...en, extra: 'Envoyé' },
      de: { ...en, extra: '' },
    })
    expect(gaps(partial, 'ja')).toEqual(['viber: no ja texts'])
    expect(gaps(partial, 'fr')).toEqual(['viber.extra: fr asks for other arguments than en'])
    expect(gaps(partial, 'de')).toEqual(['viber.extra: missing in de'])
    expect(gaps(partial, 'en')).toEqual([])
  })

  it('gives the passkey pages the reader’s language, not English', () => {
    const passkey = BUILT_IN_VERIFIERS.find((verifier) => verifier.type === 'passkey')?.texts
    expect(passkey?.text('ja', 'button')).toBe('パスキーでログイン')
    expect(passkey?.text('zh-TW', 'enroll_title')).toBe('新增通行密鑰')
    expect(passkey?.text('ar', 'step_up_code', { to: '+1 *** 71' })).toBe('إرسال رمز إلى +1 *** 71')
  })

  it('keeps what shipped for the counts that were right, and fixes the plural ones', () => {
    expect(hostedTexts('en').text('error_wrong_code', { n: 4 })).toBe('That code is not right. Tries left: 4.')
    expect(hostedTexts('en').text('error_resend_too_soon', { seconds: 30 })).toBe(
      'Please wait 30 seconds before asking for another code.',
    )
    expect(hostedTexts('en').text('error_resend_too_soon', { seconds: 1 })).toBe(
      'Please wait 1 second before asking for another code.',
    )
    expect(hostedTexts('de').channel('sms', 'title')).toBe('Telefonnummer bestätigen')
  })

  it('takes a channel’s own texts where the locale files have none', () => {
    const page = {
      title: 'Verify your WhatsApp number',
      lead: '{app} will message this number.',
      tab: 'WhatsApp',
      label: 'WhatsApp number',
      change: 'Use a different number',
      error_invalid: 'Enter a WhatsApp number.',
    }
    const whatsapp = channelTexts('viber', { en: page, es: { ...page, tab: 'WhatsApp (es)' } })
    expect(hostedTexts('es').channel(whatsapp, 'tab')).toBe('WhatsApp (es)')
    expect(hostedTexts('ja').channel(whatsapp, 'lead', { app: 'Acme' })).toBe('Acme will message this number.')
  })
})
