import { IntlMessageFormat } from 'intl-messageformat'
import { BUILT_IN_LOCALES } from './built-in-locales.js'
import { isSupportedLocale, type SupportedLocale } from './locale.js'
import type { ChannelPageTexts, LocaleTexts, OwnChannelTexts } from './locale-texts.js'

/** Argument values of a text. Strings and numbers print as given (no grouping, no locale digits). */
export type TextValues = Readonly<Record<string, string | number>>

/** A hosted-page text that is the same for every channel. */
export type PageTextKey = keyof LocaleTexts['pages']

/** The channels the locale files hold texts for. */
export type LocaleFileChannel = keyof LocaleTexts['channels']

/** One channel's texts in every locale; `K` names its texts. */
export interface ChannelTexts<K extends string = keyof ChannelPageTexts> {
  readonly channel: string
  /**
   * The text `key` in `locale` (English where the channel has none in that
   * locale), its arguments filled from `values`. Nothing is escaped: the
   * caller escapes for where the text lands.
   */
  text(locale: string, key: K, values?: TextValues): string
  /**
   * The texts written for exactly `locale` (the channel's own, else the
   * locale files'), unformatted and without the English stand-in: undefined
   * where the channel has none. For the checks that every shipped locale has
   * every text, which `text` cannot tell from a fallback.
   */
  written(locale: string): Readonly<Record<string, string>> | undefined
}

/**
 * A compiled text, or the finished string of one without arguments. Parsing
 * costs far more than formatting, and texts are read on every start and page:
 * each is compiled once per locale and key, and kept (the set is bounded by
 * the locale files).
 */
type Compiled = IntlMessageFormat | string

const NO_VALUES: TextValues = {}

function compile(source: string, tag: string): Compiled {
  // Tags are not ICU syntax here: a text is plain text around its arguments.
  const message = new IntlMessageFormat(source, tag, undefined, { ignoreTag: true })
  // Element type 0 is a literal: a text without arguments is its own output.
  return message.getAst().every((element) => element.type === 0) ? String(message.format()) : message
}

function render(compiled: Compiled, values: TextValues): string {
  // With ignoreTag and primitive values, intl-messageformat answers one string.
  return typeof compiled === 'string' ? compiled : String(compiled.format(values))
}

/** The shipped locale whose texts serve `locale`: itself, else English. */
function shippedTag(locale: string): SupportedLocale {
  return isSupportedLocale(locale) ? locale : 'en'
}

const pageCache = new Map<string, Compiled>()

/** A hosted-page text in `locale` (English for a locale Tessera does not ship). */
export function pageText(locale: string, key: PageTextKey, values: TextValues = NO_VALUES): string {
  const tag = shippedTag(locale)
  const cacheKey = `${tag}\u0000${key}`
  let compiled = pageCache.get(cacheKey)
  if (compiled === undefined) {
    compiled = compile(BUILT_IN_LOCALES[tag].pages[key], tag)
    pageCache.set(cacheKey, compiled)
  }
  return render(compiled, values)
}

/** The locale files' texts of a channel in one locale, if they hold that channel. */
function fileTexts(tag: SupportedLocale, channel: string): Readonly<Record<string, string>> | undefined {
  // Typed as the page texts every channel has: this fails to compile if a channel in the files lacks one.
  const channels: Readonly<Record<string, ChannelPageTexts>> = BUILT_IN_LOCALES[tag].channels
  return Object.hasOwn(channels, channel)
    ? (channels[channel] as unknown as Readonly<Record<string, string>>)
    : undefined
}

function createChannelTexts(
  channel: string,
  own: Readonly<Record<string, Readonly<Record<string, string>> | undefined>> | undefined,
): ChannelTexts<string> {
  if (!own && !fileTexts('en', channel)) {
    throw new TypeError(
      `No texts for channel ${channel}: the locale files have none, so the channel must bring its own`,
    )
  }
  const cache = new Map<string, Compiled>()
  /** Which table serves a locale: the channel's own, the locale file's, then English (own, then the file's). */
  function table(locale: string): {
    readonly id: string
    readonly tag: string
    readonly texts: Readonly<Record<string, string>>
  } {
    const ownTexts = own && Object.hasOwn(own, locale) ? own[locale] : undefined
    if (ownTexts) return { id: `own:${locale}`, tag: locale, texts: ownTexts }
    const shipped = isSupportedLocale(locale) ? fileTexts(locale, channel) : undefined
    if (shipped) return { id: `file:${locale}`, tag: locale, texts: shipped }
    if (own?.en) return { id: 'own:en', tag: 'en', texts: own.en }
    return { id: 'file:en', tag: 'en', texts: fileTexts('en', channel) ?? {} }
  }
  return {
    channel,
    text(locale, key, values = NO_VALUES) {
      const { id, tag, texts } = table(locale)
      const cacheKey = `${id}\u0000${key}`
      let compiled = cache.get(cacheKey)
      if (compiled === undefined) {
        const source = texts[key]
        if (source === undefined) throw new TypeError(`No text ${key} for channel ${channel}`)
        compiled = compile(source, tag)
        cache.set(cacheKey, compiled)
      }
      return render(compiled, values)
    },
    written(locale) {
      const ownTexts = own && Object.hasOwn(own, locale) ? own[locale] : undefined
      return ownTexts ?? (isSupportedLocale(locale) ? fileTexts(locale, channel) : undefined)
    },
  }
}

const fileChannels = new Map<string, ChannelTexts<string>>()

/**
 * A channel's texts. For a channel the locale files hold (`channels.<name>`
 * in each), the name is enough. A channel they do not hold passes its own
 * texts, tag → texts with English required; a locale it has no texts for
 * gets English. Keep the answer: it holds the compiled texts.
 */
export function channelTexts<C extends LocaleFileChannel>(
  channel: C,
): ChannelTexts<keyof LocaleTexts['channels'][C] & string>
export function channelTexts<T extends ChannelPageTexts>(
  channel: string,
  own: OwnChannelTexts<T>,
): ChannelTexts<keyof T & string>
/** A channel named at run time: the texts every channel has, from the locale files (throws if they lack the channel). */
export function channelTexts(channel: string): ChannelTexts
export function channelTexts(channel: string, own?: OwnChannelTexts<ChannelPageTexts>): ChannelTexts<string> {
  if (own)
    return createChannelTexts(channel, own as unknown as Readonly<Record<string, Readonly<Record<string, string>>>>)
  let texts = fileChannels.get(channel)
  if (!texts) {
    texts = createChannelTexts(channel, undefined)
    fileChannels.set(channel, texts)
  }
  return texts
}
