import { describe, expect, it } from 'vitest'
import { BUILT_IN_LOCALES } from '../../i18n/built-in-locales.js'
import { SUPPORTED_LOCALES } from '../../i18n/locale.js'
import type { ChannelPageTexts } from '../../i18n/locale-texts.js'
import { channelTexts } from '../../i18n/translate.js'
import { type HostedTextKey, hostedTexts } from './hosted-texts.js'

/** Every value a hosted page passes to its texts. */
const VALUES = { app: 'Acme', to: '+1 *** 71', n: 3, seconds: 30, length: 6, time: '0:30' }
const CHANNEL_KEYS: readonly (keyof ChannelPageTexts)[] = ['title', 'lead', 'tab', 'label', 'change', 'error_invalid']

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
