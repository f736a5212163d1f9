import { describe, expect, it } from 'vitest'
import { acceptLanguageTags, chooseLocale, isRightToLeft, lookupLocale, SUPPORTED_LOCALES } from './locale.js'

describe('lookupLocale', () => {
  it.each([
    ['en', 'en'],
    ['EN-us', 'en'],
    ['pt', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['pt_br', 'pt-BR'],
    ['fr-CA', 'fr'],
    ['de-CH-1996', 'de'],
    ['zh', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['zh-Hant', 'zh-TW'],
    ['zh-HK', 'zh-TW'],
    ['zh-Hant-HK', 'zh-TW'],
    ['ja-JP', 'ja'],
    ['ar-EG', 'ar'],
  ])('%s finds %s', (requested, expected) => {
    expect(lookupLocale(requested, SUPPORTED_LOCALES)).toBe(expected)
  })

  it.each(['nl', 'x', '', '123', 'i-klingon'])('%s finds nothing', (requested) => {
    expect(lookupLocale(requested, SUPPORTED_LOCALES)).toBeUndefined()
  })
})

describe('chooseLocale', () => {
  it('takes the request, then the app default, then the fallback', () => {
    expect(chooseLocale(['es-MX', 'de'], SUPPORTED_LOCALES)).toBe('es')
    expect(chooseLocale(['nl', 'de'], SUPPORTED_LOCALES)).toBe('de')
    expect(chooseLocale([undefined, null, 'nl'], SUPPORTED_LOCALES)).toBe('en')
  })

  it('reads an Accept-Language list by quality', () => {
    expect(acceptLanguageTags('fr-CH, fr;q=0.9, en;q=0.8, *;q=0.1')).toEqual(['fr-CH', 'fr', 'en'])
    expect(chooseLocale(['nl;q=1, ja;q=0.5, ko;q=0.7'], SUPPORTED_LOCALES)).toBe('ko')
  })
})

it('marks Arabic right to left, others not', () => {
  expect(isRightToLeft('ar')).toBe(true)
  expect(isRightToLeft('ar-EG')).toBe(true)
  expect(isRightToLeft('en')).toBe(false)
})
