import { lookupLocale } from '../../i18n/locale.js'
import type { OutboundMessage } from '../delivery-provider.js'

/**
 * A template-based provider's own template for a message: by BCP 47 match
 * against the request's locale first (an `it` template serves an `it`
 * request even though Tessera ships no Italian text), then the rendered one.
 */
export function templateFor(
  byLocale: Readonly<Record<string, string>>,
  message: Pick<OutboundMessage, 'locale' | 'requestedLocale'>,
): string | undefined {
  const locales = Object.keys(byLocale)
  if (locales.length === 0) return undefined
  for (const wanted of [message.requestedLocale, message.locale]) {
    const hit = wanted ? lookupLocale(wanted, locales) : undefined
    if (hit) return byLocale[hit]
  }
  return undefined
}
