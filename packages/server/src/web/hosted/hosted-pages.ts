import { type CountryCode, getCountries, getCountryCallingCode } from 'libphonenumber-js'
import { channelNamed } from '../../channels/built-in-channels.js'
import type { ChannelName } from '../../settings/app-settings.js'
import { type Html, html } from '../html.js'
import type { HostedTextKey, HostedTexts } from './hosted-texts.js'

/** What every hosted page knows: language, the app's look, this response's nonce and form token. */
export interface PageContext {
  readonly locale: string
  readonly dir: 'ltr' | 'rtl'
  readonly t: HostedTexts
  readonly appName: string
  readonly brandColor: string
  readonly nonce: string
  readonly csrf: string
  readonly sessionId: string
}

export type Alert = { readonly kind: 'error' | 'info'; readonly text: string } | undefined

const ASSETS = '/hosted/assets'
/** A ceremony's scripts: @simplewebauthn/browser as Tessera serves it, and the page's own glue. */
export const CEREMONY_SCRIPTS = ['webauthn.js', 'hosted-ceremony.js'] as const

/** Black or white text on the brand colour, whichever reads better (WCAG relative luminance). */
export function inkFor(hex: string): string {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
  // Contrast with white is (1.05)/(L+0.05); with black (L+0.05)/0.05: pick the larger.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#111827'
}

export function layout(
  ctx: PageContext,
  title: string,
  body: Html,
  options: { scripts?: readonly string[] } = {},
): string {
  const initial = ctx.appName.trim().charAt(0).toUpperCase() || 'T'
  return html`<!doctype html>
<html lang="${ctx.locale}" dir="${ctx.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${title} · ${ctx.appName}</title>
<link rel="stylesheet" href="${ASSETS}/hosted.css" nonce="${ctx.nonce}">
<style nonce="${ctx.nonce}">:root{--brand:${ctx.brandColor};--brand-ink:${inkFor(ctx.brandColor)}}</style>
${(options.scripts ?? []).map((src) => html`<script src="${ASSETS}/${src}" nonce="${ctx.nonce}" defer></script>`)}
</head>
<body>
<main>
<div class="card">
<div class="brand"><span class="brand-mark" aria-hidden="true">${initial}</span><span class="brand-name">${ctx.appName}</span></div>
${body}
</div>
<footer>${ctx.t.text('secured_by')}</footer>
</main>
</body>
</html>`.value
}

export function alertBox(alert: Alert): Html {
  // Always present, so screen readers announce an error that a script puts there later too.
  return html`<div id="alert" class="alert ${alert?.kind ?? 'error'}" role="${alert?.kind === 'info' ? 'status' : 'alert'}" aria-live="polite">${alert?.text ?? ''}</div>`
}

export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="csrf" value="${ctx.csrf}">`
}

const countryNames = new Map<string, { code: CountryCode; label: string; callingCode: string }[]>()

/** Countries with their calling codes, named and sorted in the page's language. */
export function countriesFor(locale: string, allowed: readonly string[]): { code: CountryCode; label: string }[] {
  let all = countryNames.get(locale)
  if (!all) {
    const names = new Intl.DisplayNames([locale, 'en'], { type: 'region' })
    const collator = new Intl.Collator(locale)
    all = getCountries()
      .map((code) => {
        const callingCode = getCountryCallingCode(code)
        return { code, callingCode, label: `${names.of(code) ?? code} (+${callingCode})` }
      })
      .sort((a, b) => collator.compare(a.label, b.label))
    countryNames.set(locale, all)
  }
  return allowed.length === 0 ? all : all.filter((entry) => allowed.includes(entry.code))
}

export interface IdentifierView {
  readonly channel: ChannelName
  readonly channels: readonly ChannelName[]
  readonly countries: readonly { code: string; label: string }[]
  readonly country: string
  /** What the person typed into the identifier field, to show again. */
  readonly typed?: string | undefined
  readonly alert?: Alert
  /** Which field the alert is about (aria-invalid, focus). */
  readonly invalid?: boolean
  /** The app fixed the identifier: only a button to send the code (masked identifier shown). */
  readonly presetMasked?: string | undefined
  /** A ceremony (a passkey's button) offered first, this channel's form as its fallback. */
  readonly ceremony?: Html | undefined
}

export function identifierPage(ctx: PageContext, view: IdentifierView): string {
  const { t } = ctx
  const title = t.channel(view.channel, 'title')
  const lead = t.channel(view.channel, 'lead', { app: ctx.appName })
  const tabs =
    view.channels.length > 1 && view.presetMasked === undefined
      ? html`<nav class="tabs" aria-label="${t.text('choose_channel')}">${view.channels.map(
          (channel) =>
            html`<a href="/hosted/${ctx.sessionId}?channel=${channel}"${channel === view.channel ? html` aria-current="page"` : ''}>${t.channel(channel, 'tab')}</a>`,
        )}</nav>`
      : ''
  const invalid = view.invalid ? html` aria-invalid="true" aria-describedby="alert"` : ''
  // A phone number gets the country picker and as-you-type formatting.
  const phoneForm = channelNamed(view.channel).identifier.kind === 'phone'
  const fields =
    view.presetMasked !== undefined
      ? html`<p class="lead"><strong>${view.presetMasked}</strong></p>`
      : identifierFields(ctx, view, invalid)
  return layout(
    ctx,
    title,
    html`<h1>${title}</h1>
<p class="lead">${lead}</p>
${view.ceremony ?? ''}
${tabs}
${alertBox(view.alert)}
<form method="post" action="/hosted/${ctx.sessionId}/start" data-phone-form="${phoneForm ? 'on' : 'off'}" novalidate>
${csrfField(ctx)}
<input type="hidden" name="channel" value="${view.channel}">
${fields}
<button class="primary" type="submit"${view.presetMasked !== undefined ? html` autofocus` : ''}>${t.text('send_code')}</button>
</form>`,
    {
      scripts: [
        ...(phoneForm && view.presetMasked === undefined ? ['libphonenumber.js'] : []),
        'hosted.js',
        ...(view.ceremony ? CEREMONY_SCRIPTS : []),
      ],
    },
  )
}

/** The identifier's input as its channel describes it; a phone number with the country picker before it. */
function identifierFields(ctx: PageContext, view: IdentifierView, invalid: Html | string) {
  const { t } = ctx
  const channel = channelNamed(view.channel)
  const input = channel.identifier.input
  const field = html`<div class="field"><label for="${input.field}">${t.channel(view.channel, 'label')}</label>
<input id="${input.field}" class="${input.type === 'tel' ? 'tel' : input.field}" name="${input.field}" type="${input.type}" inputmode="${input.inputmode}" autocomplete="${input.autocomplete}" required maxlength="${String(input.maxlength)}"${input.verbatim ? html` spellcheck="false" autocapitalize="off"` : ''} value="${view.typed ?? ''}"${invalid} autofocus></div>`
  if (channel.identifier.kind !== 'phone') return field
  return html`<div class="row">
<div class="field"><label for="country">${channel.texts.text(ctx.locale, 'label_country')}</label>
<select id="country" name="country" autocomplete="tel-country-code">${view.countries.map(
    (entry) =>
      html`<option value="${entry.code}"${entry.code === view.country ? html` selected` : ''}>${entry.label}</option>`,
  )}</select></div>
${field}
</div>`
}

export interface CodeView {
  readonly channel: ChannelName
  readonly toMasked: string
  readonly codeLength: number
  readonly digitsOnly: boolean
  readonly linkSent: boolean
  /** The email carries only the link (email_link_only): no code field, the page waits for the click. */
  readonly linkOnly: boolean
  /** Seconds until a resend is allowed; null when no resend remains. */
  readonly resendInSeconds: number | null
  readonly alert?: Alert
  /** The verification can take no more codes (expired, locked): offer a fresh start instead. */
  readonly finished?: boolean
  /** The identifier was preset by the app: no "use a different number". */
  readonly preset: boolean
  /** Other channels that reach the same person, each with its offer ("Call me instead"). */
  readonly instead?: ReadonlyArray<{ readonly channel: string; readonly label: string }>
}

function clock(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

export function codePage(ctx: PageContext, view: CodeView): string {
  const { t } = ctx
  const lead = t.text(view.linkOnly ? 'lead_link_only' : view.linkSent ? 'lead_code_link' : 'lead_code', {
    to: '\u0000',
  })
  const title = t.text(view.linkOnly ? 'title_link' : 'title_code')
  const resendLabel = t.text(view.linkOnly ? 'resend_link' : 'resend')
  // The page's script fills `{time}` in as the countdown runs.
  const waitLabel = view.linkOnly ? `${t.text('resend_link')} · {time}` : t.text('resend_in', { time: '{time}' })
  const [before, after] = lead.split('\u0000')
  const changeLabel = t.channel(view.channel, 'change')
  const resend =
    view.resendInSeconds === null || view.finished
      ? ''
      : html`<form method="post" action="/hosted/${ctx.sessionId}/resend">${csrfField(ctx)}
<button class="link" type="submit" data-resend-in="${view.resendInSeconds}" data-label="${resendLabel}" data-wait-label="${waitLabel}"${view.resendInSeconds > 0 ? html` disabled` : ''}>${view.resendInSeconds > 0 ? waitLabel.replace('{time}', clock(view.resendInSeconds)) : resendLabel}</button></form>`
  const restart =
    view.preset && !view.finished
      ? ''
      : html`<form method="post" action="/hosted/${ctx.sessionId}/restart">${csrfField(ctx)}
<button class="${view.finished ? 'primary' : 'link'}" type="submit">${view.finished && view.preset ? t.text('resend') : changeLabel}</button></form>`
  const instead =
    view.finished || view.resendInSeconds === null
      ? ''
      : (view.instead ?? []).map(
          (offer) => html`<form method="post" action="/hosted/${ctx.sessionId}/resend">${csrfField(ctx)}
<button class="link" type="submit" name="channel" value="${offer.channel}" data-instead="${offer.channel}">${offer.label}</button></form>`,
        )
  const invalid =
    view.alert?.kind === 'error'
      ? html` aria-invalid="true" aria-describedby="alert code-hint"`
      : html` aria-describedby="code-hint"`
  const codeForm =
    view.finished || view.linkOnly
      ? ''
      : html`<form method="post" action="/hosted/${ctx.sessionId}/verify" data-code-form>
${csrfField(ctx)}
<div class="field"><label for="code">${t.text('label_code')}</label>
<input id="code" class="code" name="code" type="text" autocomplete="one-time-code"${view.digitsOnly ? html` inputmode="numeric" pattern="[0-9]*"` : html` autocapitalize="characters"`} maxlength="${view.codeLength + 4}" data-length="${view.codeLength}" required spellcheck="false"${invalid} autofocus>
<p class="hint" id="code-hint">${t.text('code_hint', { length: view.codeLength })}</p></div>
<button class="primary" type="submit">${t.text('verify')}</button>
</form>`
  return layout(
    ctx,
    title,
    html`<h1>${title}</h1>
<p class="lead">${before}<strong>${view.toMasked}</strong>${after}</p>
${alertBox(view.alert)}
${codeForm}
<div class="secondary">${resend}${instead}${restart}</div>`,
    { scripts: ['hosted.js'] },
  )
}

export function messagePage(
  ctx: PageContext,
  title: HostedTextKey,
  text: HostedTextKey,
  options: { success?: boolean } = {},
): string {
  const { t } = ctx
  const icon = options.success
    ? html`<div class="success-icon" aria-hidden="true"><svg width="28" height="28" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"><path d="M20 6 9 17l-5-5"/></svg></div>`
    : ''
  return layout(
    ctx,
    t.text(title),
    html`${icon}<h1>${t.text(title)}</h1>
<p class="lead">${t.text(text, { app: ctx.appName })}</p>`,
  )
}

export function confirmPage(ctx: PageContext, view: { toMasked: string; secret: string }): string {
  const { t } = ctx
  const text = t.text('confirm_text', { app: ctx.appName, to: '\u0000' })
  const [before, after] = text.split('\u0000')
  return layout(
    ctx,
    t.text('confirm_title'),
    html`<h1>${t.text('confirm_title')}</h1>
<p class="lead">${before}<strong>${view.toMasked}</strong>${after}</p>
<form method="post" action="/hosted/${ctx.sessionId}/confirm">
${csrfField(ctx)}
<input type="hidden" name="t" value="${view.secret}">
<button class="primary" type="submit" autofocus>${t.text('confirm_button')}</button>
</form>`,
  )
}

export function inlineAlert(t: HostedTexts, key: HostedTextKey, values: Record<string, string | number> = {}): Alert {
  return { kind: 'error', text: t.text(key, values) }
}
