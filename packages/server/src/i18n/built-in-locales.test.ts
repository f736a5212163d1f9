import { describe, expect, it } from 'vitest'
import { BUILT_IN_LOCALES } from './built-in-locales.js'
import { canonicalTag, SUPPORTED_LOCALES } from './locale.js'
import { textArguments } from './text-arguments.js'
import { pageText } from './translate.js'

type Tree = { readonly [key: string]: string | Tree }

/** Every text of a locale file by its path (`channels.sms.message`), `country` aside. */
function texts(tree: Tree, prefix = ''): Map<string, string> {
  const found = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') {
      if (path !== 'country') found.set(path, value)
    } else for (const [inner, text] of texts(value, path)) found.set(inner, text)
  }
  return found
}

const english = texts(BUILT_IN_LOCALES.en)
const locales = Object.entries(BUILT_IN_LOCALES) as [string, Tree][]

/** The plural categories a language picks for whole counts 1–200 (the counts Tessera shows). */
function categoriesInUse(tag: string): Set<string> {
  const rules = new Intl.PluralRules(tag)
  return new Set(Array.from({ length: 200 }, (_, index) => rules.select(index + 1)))
}

describe('locale files', () => {
  it('register every shipped locale under its canonical tag, with a home country', () => {
    expect(SUPPORTED_LOCALES).toEqual(Object.keys(BUILT_IN_LOCALES))
    for (const [tag, file] of Object.entries(BUILT_IN_LOCALES)) {
      expect(canonicalTag(tag)).toBe(tag)
      expect(file.country, tag).toMatch(/^[A-Z]{2}$/)
    }
  })

  it.each(locales)('%s has every key of en and no other', (_tag, file) => {
    expect([...texts(file).keys()].sort()).toEqual([...english.keys()].sort())
  })

  it.each(locales)('%s: every text is ICU MessageFormat with the arguments of en', (tag, file) => {
    for (const [path, text] of texts(file)) {
      expect(text.trim(), `${tag} ${path}`).not.toBe('')
      const reference = textArguments(english.get(path) ?? '', 'en').names
      expect(textArguments(text, tag).names, `${tag} ${path}`).toEqual(reference)
    }
  })

  it.each(locales)('%s: each plural uses the language’s categories and spells out every one it needs', (tag, file) => {
    const categories = new Set(new Intl.PluralRules(tag).resolvedOptions().pluralCategories)
    const needed = categoriesInUse(tag)
    for (const [path, text] of texts(file)) {
      for (const plural of textArguments(text, tag).plurals) {
        for (const form of plural.forms) {
          expect(categories.has(form as Intl.LDMLPluralRule) || /^=\d+$/.test(form), `${tag} ${path}: ${form}`).toBe(
            true,
          )
        }
        for (const category of needed) expect(plural.forms, `${tag} ${path}`).toContain(category)
      }
    }
  })

  it.each(locales)('%s: a text without arguments reads exactly as written (no ICU quoting swallowed)', (tag, file) => {
    for (const [key, text] of Object.entries(file.pages as Tree)) {
      if (typeof text === 'string' && textArguments(text, tag).names.length === 0) {
        expect(pageText(tag, key as Parameters<typeof pageText>[1]), `${tag} ${key}`).toBe(text)
      }
    }
  })
})
