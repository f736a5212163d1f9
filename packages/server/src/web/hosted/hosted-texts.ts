import type { ChannelPageTexts } from '../../i18n/locale-texts.js'
import { type ChannelTexts, channelTexts, type PageTextKey, pageText, type TextValues } from '../../i18n/translate.js'

export type HostedTextKey = PageTextKey

/** The hosted pages' texts in one locale (from `i18n/locales/`). Values are escaped where the page renders them. */
export interface HostedTexts {
  readonly locale: string
  /** A text that is the same for every channel. */
  text(key: HostedTextKey, values?: TextValues): string
  /** A text of a channel's identifier step: by name from the locale files, or from the channel's own texts. */
  channel(channel: string | ChannelTexts, key: keyof ChannelPageTexts, values?: TextValues): string
}

const byLocale = new Map<string, HostedTexts>()

/** The texts for a page in `locale`, one object per shipped locale. */
export function hostedTexts(locale: string): HostedTexts {
  let texts = byLocale.get(locale)
  if (!texts) {
    texts = {
      locale,
      text: (key, values) => pageText(locale, key, values),
      channel: (channel, key, values) =>
        (typeof channel === 'string' ? channelTexts(channel) : channel).text(locale, key, values),
    }
    // Callers pass a chosen locale, one of a few: the map stays small.
    if (byLocale.size < 100) byLocale.set(locale, texts)
  }
  return texts
}
