import type { en } from './locales/en.js'

/**
 * Every text Tessera shows or sends in one language: one file per locale in
 * `locales/<tag>.ts`, registered by one line in `built-in-locales.ts`.
 *
 * The English file is the reference: each locale has exactly its keys (this
 * type says so) and, text by text, the same arguments (a test says so).
 * Texts are ICU MessageFormat (intl-messageformat): a count is written
 * `{minutes, plural, one {{minutes} minute} other {{minutes} minutes}}`, with
 * the CLDR categories of the language (`one few many other` in Russian,
 * `zero one two few many other` in Arabic, none in Japanese, Chinese and
 * Korean). The count inside a form is `{minutes}`, not `#`: `#` would format
 * it with the locale's digits and grouping, and the messages show the number
 * as the code does. A literal apostrophe before `{`, `}` or `#` must be
 * doubled (`''`); elsewhere it is text.
 *
 * - `country`: a likely home country for readers of the language, the hosted
 *   phone field's first choice.
 * - `pages`: the hosted pages' texts that are the same for every channel
 *   (`{app}` the app's name, `{to}` the masked identifier).
 * - `channels`: per channel, what its hosted identifier step shows (at least
 *   `ChannelPageTexts`) and the messages it sends (`{app_name}`, `{code}`,
 *   `{minutes}`). A channel these files do not know brings its own texts
 *   (`channelTexts` in `translate.ts`), so adding one needs no edit here.
 */
export type LocaleTexts = typeof en

/** What the hosted identifier step shows for a channel; every channel's texts hold at least these. */
export interface ChannelPageTexts {
  /** The page's title ("Verify your phone number"). */
  readonly title: string
  /** The line under the title, with `{app}`. */
  readonly lead: string
  /** The channel's tab when the page offers several channels. */
  readonly tab: string
  /** The identifier field's label. */
  readonly label: string
  /** The way back to the identifier step ("Use a different number"). */
  readonly change: string
  /** The identifier given is not one this channel can reach. */
  readonly error_invalid: string
}

/**
 * A channel's own texts, for a channel the locale files do not hold: English
 * always, other locales as the channel has them (English stands in for the rest).
 */
export type OwnChannelTexts<T extends ChannelPageTexts> = { readonly en: T } & {
  readonly [tag: string]: T | undefined
}
