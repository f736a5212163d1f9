import { randomBytes } from 'node:crypto'
import { channelNamed } from '../../channels/built-in-channels.js'
import { chooseLocale, isSupportedLocale, SUPPORTED_LOCALES } from '../../i18n/locale.js'
import { renderPlaceholders } from '../../i18n/placeholders.js'
import type { ChannelTexts, TextValues } from '../../i18n/translate.js'
import type { AppSettings, ChannelName } from '../../settings/app-settings.js'
import type { MessageValues, SpeechStep, SpokenMessage } from '../delivery-provider.js'
import { fillSubstitutions } from '../message-options.js'
import { emailHtml, escapeHtml, textAsHtml } from './email-layout.js'

export interface MessageInput {
  readonly settings: Pick<AppSettings, 'templates' | 'default_locale' | 'web_origin'>
  readonly appName: string
  readonly channel: ChannelName
  readonly scene: string
  /** The request's locale (BCP 47), if it gave one. */
  readonly locale?: string | undefined
  readonly code: string
  readonly ttlSeconds: number
  /** Email only: a magic link (hosted flow) that opens a confirm page, added below the code in the message's language. */
  readonly link?: string | undefined
  /** With `link`: the email carries the link instead of the code (email_link_only). */
  readonly linkOnly?: boolean | undefined
  /** Values for `{substitutions.<name>}` in the app's template (the caller's, HTML-escaped in the HTML part). */
  readonly substitutions?: Readonly<Record<string, string>> | undefined
}

export interface RenderedMessage {
  /** The locale the message was written in. */
  readonly locale: string
  readonly subject: string
  readonly text: string
  /** Email only; empty for SMS. */
  readonly html: string
  readonly values: MessageValues
  /** Spoken channels only: the script a voice reads. */
  readonly speech?: SpokenMessage | undefined
  /** The app template's fields beyond the text (a WhatsApp template's name), when an app template was used. */
  readonly template?: Readonly<Record<string, string>> | undefined
}

/** Which scene key of the app's templates applies: the scene's own, else the app-wide `*`. */
const ANY_SCENE = '*'

/**
 * The message for one code: the app's template for (channel, scene, locale)
 * if it has one — the scene's, then its `*` — else Tessera's built-in text.
 * The locale is the request's, then the app's default, then `en`, each
 * matched BCP 47-wise among the locales that have a text. SMS end with the
 * origin-bound code line (`@example.com #123456`) when the app has a web
 * origin, so browsers (WebOTP) and iOS offer to fill the code in.
 */
export function renderMessage(input: MessageInput): RenderedMessage {
  const message = withSubstitutions(renderCodeMessage(input), input.substitutions)
  const channel = channelNamed(input.channel)
  if (!channel.carriesLinks || !input.link) return message
  return input.linkOnly
    ? linkOnlyEmail(channel.texts, message, input.link)
    : withLink(channel.texts, message, input.link)
}

/**
 * The caller's substitutions, filled after the cached shape is joined (they differ per message, like the
 * code). Only the app's own templates name them; Tessera's texts have none.
 */
function withSubstitutions(
  message: RenderedMessage,
  substitutions: Readonly<Record<string, string>> | undefined,
): RenderedMessage {
  if (substitutions === undefined || Object.keys(substitutions).length === 0) return message
  return {
    ...message,
    // A subject is one line: a value's line breaks become spaces there.
    subject: fillSubstitutions(message.subject, substitutions, (value) => value.replace(/\s+/g, ' ')),
    text: fillSubstitutions(message.text, substitutions),
    html: fillSubstitutions(message.html, substitutions, escapeHtml),
  }
}

function linkButton(link: string, label: string): string {
  return `<p style="margin:24px 0 8px"><a href="${escapeHtml(link)}" style="display:inline-block;background:#1f2328;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">${escapeHtml(label)}</a></p>
<p dir="ltr" style="margin:0;font-size:13px;line-height:1.5;color:#57606a;word-break:break-all">${escapeHtml(link)}</p>
`
}

function beforeCardEnd(html: string, insert: string): string {
  const closing = html.lastIndexOf('</div></body>')
  return closing >= 0 ? `${html.slice(0, closing)}${insert}${html.slice(closing)}` : `${html}\n${insert}`
}

/** The magic link beside the code: a paragraph in both parts, in the message's language, inside the card. */
function withLink(texts: ChannelTexts<string>, message: RenderedMessage, link: string): RenderedMessage {
  const beside = texts.text(message.locale, 'link_beside')
  const text = `${message.text}\n\n${beside}\n\n    ${link}`
  const paragraph = `<p style="margin:24px 0 0;font-size:14px;line-height:1.5">${escapeHtml(beside)}</p>
${linkButton(link, texts.text(message.locale, 'link_button'))}`
  return { ...message, text, html: beforeCardEnd(message.html, paragraph) }
}

/**
 * The magic link instead of the code (email_link_only): Tessera's own email,
 * whatever the app's code templates say, since those must show `{code}`.
 */
function linkOnlyEmail(texts: ChannelTexts<string>, message: RenderedMessage, link: string): RenderedMessage {
  const locale = message.locale
  const values: TextValues = { ...message.values }
  const subject = texts.text(locale, 'link_subject', values)
  const intro = texts.text(locale, 'link_intro', values)
  const ignore = texts.text(locale, 'ignore', values)
  const text = [intro, '', `    ${link}`, '', ignore].join('\n')
  const html = beforeCardEnd(
    textAsHtml(message.locale, subject, intro),
    `${linkButton(link, texts.text(locale, 'link_button'))}<p style="margin:16px 0 0;font-size:14px;line-height:1.5;color:#57606a">${escapeHtml(ignore)}</p>
`,
  )
  return { ...message, subject, text, html }
}

/** Locale choices per app templates object (the same object while the app is cached), bounded: the request's locale is the caller's string. */
const localeChoices = new WeakMap<object, Map<string, string>>()
const MAX_CHOICES_PER_APP = 1000

function chosenLocale(input: MessageInput, forScene: object, forAny: object): string {
  let choices = localeChoices.get(input.settings.templates)
  if (!choices) {
    choices = new Map()
    localeChoices.set(input.settings.templates, choices)
  }
  const key = `${input.channel}\u0000${input.scene}\u0000${input.locale ?? ''}\u0000${input.settings.default_locale}`
  let locale = choices.get(key)
  if (locale === undefined) {
    const available = [...new Set([...Object.keys(forScene), ...Object.keys(forAny), ...SUPPORTED_LOCALES])]
    locale = chooseLocale([input.locale, input.settings.default_locale], available, 'en')
    if (choices.size < MAX_CHOICES_PER_APP) choices.set(key, locale)
  }
  return locale
}

/**
 * Only the code differs between two messages of one app, channel, scene and
 * locale, so each is rendered once with a stand-in for the code and kept as
 * the pieces between the stand-ins (about a twentieth of a start request's
 * CPU otherwise). Kept per app templates object, like the locale choices.
 */
const CODE_STAND_IN = `tesseracode${randomBytes(12).toString('hex')}`
interface MessageShape {
  readonly locale: string
  /** The values but the code, as the message was rendered with them. */
  readonly values: Omit<MessageValues, 'code'>
  readonly subject: readonly string[]
  readonly text: readonly string[]
  readonly html: readonly string[]
  readonly speechLanguage?: string | undefined
  readonly template?: Readonly<Record<string, string>> | undefined
}
const shapes = new WeakMap<object, Map<string, MessageShape>>()
const MAX_SHAPES_PER_APP = 1000

function renderCodeMessage(input: MessageInput): RenderedMessage {
  let forApp = shapes.get(input.settings.templates)
  if (!forApp) {
    forApp = new Map()
    shapes.set(input.settings.templates, forApp)
  }
  const key = [
    input.channel,
    input.scene,
    input.locale ?? '',
    input.settings.default_locale,
    input.settings.web_origin ?? '',
    input.appName,
    input.ttlSeconds,
  ].join('\u0000')
  let shape = forApp.get(key)
  if (shape === undefined) {
    const model = renderWithoutLink({ ...input, code: CODE_STAND_IN })
    const { code: _standIn, ...values } = model.values
    shape = {
      locale: model.locale,
      values,
      subject: model.subject.split(CODE_STAND_IN),
      text: model.text.split(CODE_STAND_IN),
      html: model.html.split(CODE_STAND_IN),
      speechLanguage: model.speech?.language,
      template: model.template,
    }
    if (forApp.size < MAX_SHAPES_PER_APP) forApp.set(key, shape)
  }
  return {
    locale: shape.locale,
    subject: shape.subject.join(input.code),
    text: shape.text.join(input.code),
    html: shape.html.join(escapeHtml(input.code)),
    // Named, not `{ ...shape.values, code }`: see docs/decisions.md, "No object literal that adds a field after a
    // spread" (this runs on every start).
    values: { code: input.code, app_name: shape.values.app_name, minutes: shape.values.minutes },
    ...(shape.speechLanguage === undefined
      ? {}
      : { speech: spokenMessage(shape.speechLanguage, shape.text, input.code) }),
    ...(shape.template === undefined ? {} : { template: shape.template }),
  }
}

/** How many times the message is said: a person reaching for a pen misses the first. */
const SPOKEN_TIMES = 2

/**
 * The script of a spoken message: the text around the code as sentences, the code character by character with
 * a pause after each (a voice reading "482913" says "four hundred eighty-two thousand…"), all of it twice.
 */
function spokenMessage(language: string, pieces: readonly string[], code: string): SpokenMessage {
  const steps: SpeechStep[] = []
  const plain: string[] = []
  for (let time = 0; time < SPOKEN_TIMES; time++) {
    if (time > 0) steps.push({ pauseSeconds: 2 })
    pieces.forEach((piece, index) => {
      const sentence = piece.trim()
      // A piece with nothing to say (the full stop after the code) is left out: the code's own ends the sentence.
      if (/[\p{L}\p{N}]/u.test(sentence)) {
        steps.push({ say: sentence })
        plain.push(sentence)
      }
      if (index === pieces.length - 1) return
      steps.push({ pauseSeconds: 1 })
      for (const character of code) steps.push({ say: character }, { pauseSeconds: 1 })
      plain.push(`${[...code].join(', ')}.`)
    })
  }
  return { language, steps, text: plain.join(' ') }
}

/** A spoken channel's voice language in a locale: the locale file's; a locale Tessera does not ship is its own tag. */
function voiceLanguage(texts: ChannelTexts<string>, locale: string): string {
  return isSupportedLocale(locale) ? texts.text(locale, 'voice_language') : locale
}

/** Where the app's name goes in the intro, so the HTML can set it in bold around the escaped text. */
const APP_NAME_MARK = '\u0000'

function renderWithoutLink(input: MessageInput): RenderedMessage {
  const custom = (input.settings.templates as Record<string, Record<string, Record<string, { text: string }>>>)[
    input.channel
  ]
  const forScene = custom?.[input.scene] ?? {}
  const forAny = custom?.[ANY_SCENE] ?? {}
  const locale = chosenLocale(input, forScene, forAny)
  const minutes = Math.max(1, Math.ceil(input.ttlSeconds / 60))
  const values: MessageValues = { code: input.code, app_name: input.appName, minutes: String(minutes) }
  // The built-in texts take the count as a number, for their plural forms.
  const textValues: TextValues = { ...values, minutes }
  const template = forScene[locale] ?? forAny[locale]
  const { format, texts } = channelNamed(input.channel)

  if (format === 'text') {
    const channel = channelNamed(input.channel)
    const body = template ? renderPlaceholders(template.text, values) : texts.text(locale, 'message', textValues)
    const text = channel.textMessage ? body + originBoundLine(input.settings.web_origin, input.code) : body
    const { text: _text, ...templateFields } = (template ?? {}) as Record<string, string>
    return {
      locale,
      subject: '',
      text,
      html: '',
      values,
      ...(channel.spoken ? { speech: spokenMessage(voiceLanguage(texts, locale), [text], input.code) } : {}),
      ...(Object.keys(templateFields).length > 0 ? { template: templateFields } : {}),
    }
  }

  const emailTemplate = template as { subject: string; text: string; html?: string | undefined } | undefined
  if (emailTemplate) {
    const subject = renderPlaceholders(emailTemplate.subject, values)
    const text = renderPlaceholders(emailTemplate.text, values)
    const html = emailTemplate.html
      ? renderPlaceholders(emailTemplate.html, values, escapeHtml)
      : textAsHtml(locale, subject, text)
    return { locale, subject, text, html, values }
  }
  const subject = texts.text(locale, 'subject', textValues)
  const intro = texts.text(locale, 'intro', textValues)
  const expiry = texts.text(locale, 'expiry', textValues)
  const ignore = texts.text(locale, 'ignore', textValues)
  const text = [intro, '', `    ${input.code}`, '', expiry, ignore].join('\n')
  const html = emailHtml({
    locale,
    subject: escapeHtml(subject),
    // The app's name in bold, so the person sees at a glance who asks.
    intro: texts
      .text(locale, 'intro', Object.assign({}, textValues, { app_name: APP_NAME_MARK }))
      .split(APP_NAME_MARK)
      .map(escapeHtml)
      .join(`<strong>${escapeHtml(input.appName)}</strong>`),
    code: escapeHtml(input.code),
    expiry: escapeHtml(expiry),
    ignore: escapeHtml(ignore),
  })
  return { locale, subject, text, html, values }
}

/**
 * The last line of an SMS for origin-bound one-time codes: `@host #code`
 * (WICG WebOTP; also what iOS and Android read). Empty without a web origin.
 */
const hostOfOrigin = new Map<string, string>()

export function originBoundLine(webOrigin: string | undefined, code: string): string {
  if (!webOrigin) return ''
  let host = hostOfOrigin.get(webOrigin)
  if (host === undefined) {
    host = new URL(webOrigin).host
    if (hostOfOrigin.size < 10_000) hostOfOrigin.set(webOrigin, host)
  }
  return `\n\n@${host} #${code}`
}
