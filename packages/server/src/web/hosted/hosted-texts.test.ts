import { describe, expect, it } from 'vitest'
import { SUPPORTED_LOCALES } from '../../i18n/locale.js'
import { HOSTED_TEXTS } from './hosted-texts.js'

describe('hosted page texts', () => {
  const keys = Object.keys(HOSTED_TEXTS.en).sort()

  it.each(SUPPORTED_LOCALES)('%s has every text, each with the English placeholders', (locale) => {
    const table = HOSTED_TEXTS[locale]
    expect(Object.keys(table).sort()).toEqual(keys)
    for (const key of keys) {
      const text = table[key as keyof typeof table]
      expect(text.trim(), `${locale}.${key}`).not.toBe('')
      const placeholders = (s: string) => (s.match(/\{[a-z]+\}/g) ?? []).sort()
      expect(placeholders(text), `${locale}.${key}`).toEqual(placeholders(HOSTED_TEXTS.en[key as keyof typeof table]))
    }
  })
})
