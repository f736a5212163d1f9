import { BUILT_IN_LOCALES } from './built-in-locales.js'

/** A locale Tessera ships texts for (messages, hosted pages): a key of `BUILT_IN_LOCALES`. */
export type SupportedLocale = keyof typeof BUILT_IN_LOCALES

/** The shipped locales, in their registration order. */
export const SUPPORTED_LOCALES = Object.keys(BUILT_IN_LOCALES) as readonly SupportedLocale[]

/** Whether `tag` is exactly a shipped locale (not a BCP 47 match: use `lookupLocale` for that). */
export function isSupportedLocale(tag: string): tag is SupportedLocale {
  return Object.hasOwn(BUILT_IN_LOCALES, tag)
}

/** A likely home country for readers of a shipped locale (ISO 3166-1 alpha-2), e.g. the hosted phone field's first choice. */
export function homeCountry(locale: SupportedLocale): string {
  return BUILT_IN_LOCALES[locale].country
}

/** Languages written right to left, so that a locale file for one of them needs nothing else. */
const RIGHT_TO_LEFT = new Set(['ar', 'ckb', 'dv', 'fa', 'he', 'ps', 'sd', 'ug', 'ur', 'yi'])

export function isRightToLeft(locale: string): boolean {
  return RIGHT_TO_LEFT.has(locale.split('-')[0]?.toLowerCase() ?? '')
}

/** Chinese scripts by region, for tags that name a region but no script (zh-HK → Traditional). */
const TRADITIONAL_CHINESE_REGIONS = new Set(['TW', 'HK', 'MO'])

/** A tag in its canonical case: `pt-br` → `pt-BR`, `zh-hant-tw` → `zh-Hant-TW`. */
export function canonicalTag(tag: string): string {
  return canonical(tag).join('-')
}

function canonical(tag: string): string[] {
  const parts = tag.trim().replace(/_/g, '-').split('-').filter(Boolean)
  return parts.map((part, index) => {
    if (index === 0) return part.toLowerCase()
    if (part.length === 4) return part[0]?.toUpperCase() + part.slice(1).toLowerCase()
    if (part.length === 2 || /^[0-9]{3}$/.test(part)) return part.toUpperCase()
    return part.toLowerCase()
  })
}

/**
 * BCP 47 lookup of one requested tag among `available` tags (RFC 4647 §3.4,
 * widened the way people expect): an exact match first, then the same
 * language with the requested region or script, then the first available tag
 * of the same language (`pt` finds `pt-BR`, `fr-CA` finds `fr`). Chinese is
 * matched by script: `zh-Hant`, `zh-HK` and `zh-TW` find `zh-TW`; `zh`,
 * `zh-Hans` and `zh-SG` find `zh-CN`. Answers undefined when nothing fits.
 */
export function lookupLocale(requested: string, available: readonly string[]): string | undefined {
  const wanted = canonical(requested)
  const language = wanted[0]
  if (!language || !/^[a-z]{2,3}$/.test(language)) return undefined
  // The first of equal tags wins: callers list their preferred texts first.
  const byCanonical = new Map<string, string>()
  for (const tag of available) {
    const key = canonical(tag).join('-')
    if (!byCanonical.has(key)) byCanonical.set(key, tag)
  }
  const exact = byCanonical.get(wanted.join('-'))
  if (exact) return exact
  if (language === 'zh') {
    const script = wanted.find((part) => part.length === 4)
    const region = wanted.find((part, index) => index > 0 && part.length === 2)
    const traditional =
      script === 'Hant' || (!script && region !== undefined && TRADITIONAL_CHINESE_REGIONS.has(region))
    const preferred = traditional ? ['zh-TW', 'zh-Hant', 'zh-HK'] : ['zh-CN', 'zh-Hans', 'zh-SG']
    for (const tag of preferred) {
      const hit = byCanonical.get(tag)
      if (hit) return hit
    }
  }
  // Truncate from the end (RFC 4647 lookup): de-CH-1996 → de-CH → de.
  for (let length = wanted.length - 1; length >= 1; length--) {
    const hit = byCanonical.get(wanted.slice(0, length).join('-'))
    if (hit) return hit
  }
  for (const [tag, original] of byCanonical) if (tag.split('-')[0] === language) return original
  return undefined
}

/**
 * The locale to use: the first of `candidates` (the request's locale, then the
 * app's default, …) that finds a match among `available`, else `fallback`.
 * An Accept-Language-style list (`fr-CH, fr;q=0.9, en;q=0.8`) in a candidate
 * is tried entry by entry in its order of quality.
 */
export function chooseLocale(
  candidates: readonly (string | undefined | null)[],
  available: readonly string[],
  fallback = 'en',
): string {
  for (const candidate of candidates) {
    if (!candidate) continue
    for (const tag of acceptLanguageTags(candidate)) {
      const hit = lookupLocale(tag, available)
      if (hit) return hit
    }
  }
  return fallback
}

/** Tags of an Accept-Language value, best first (a single tag is a list of one). */
export function acceptLanguageTags(header: string): string[] {
  return header
    .split(',')
    .slice(0, 20)
    .map((entry, index) => {
      const [tag = '', ...params] = entry.trim().split(';')
      const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined)
      return { tag: tag.trim(), quality: q === undefined ? 1 : Number(q), index }
    })
    .filter((entry) => entry.tag && entry.tag !== '*' && entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index)
    .map((entry) => entry.tag)
}
