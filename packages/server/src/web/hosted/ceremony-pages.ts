import type { StepUpChoices } from '../../core/hosted-session-service.js'
import type { ChannelTexts } from '../../i18n/translate.js'
import { type Html, html } from '../html.js'
import { type Alert, alertBox, CEREMONY_SCRIPTS, csrfField, layout, type PageContext } from './hosted-pages.js'

/**
 * The hosted pages of a ceremony type (a passkey): its button, which hosted-ceremony.js runs with
 * @simplewebauthn/browser, on the sign-in page (above the channels, its fallback), alone, and for enrolment
 * (its step-up first). The type brings its texts (`Verifier.texts`).
 */
export function ceremonyButton(
  ctx: PageContext,
  texts: ChannelTexts<string>,
  options: { kind: 'get' | 'create'; label: string; fallback: boolean },
): Html {
  const say = (key: string) => texts.text(ctx.locale, key, { app: ctx.appName })
  return html`<section class="ceremony" data-ceremony="${options.kind}" data-options="/hosted/${ctx.sessionId}/ceremony/options" data-verify="/hosted/${ctx.sessionId}/ceremony/verify" data-csrf="${ctx.csrf}" data-failed="${options.kind === 'create' ? say('enroll_failed') : say('error_invalid')}" data-unsupported="${say('unsupported')}">
<button class="primary" type="button" data-ceremony-button>${options.label}</button>
</section>
${options.fallback ? html`<p class="or" role="separator"><span>${say('or')}</span></p>` : ''}`
}

/** A session that offers only a ceremony (`channel: "passkey"`). */
export function ceremonyPage(ctx: PageContext, texts: ChannelTexts<string>, alert?: Alert): string {
  const title = texts.text(ctx.locale, 'title')
  return layout(
    ctx,
    title,
    html`<h1>${title}</h1>
<p class="lead">${texts.text(ctx.locale, 'lead', { app: ctx.appName })}</p>
${alertBox(alert)}
${ceremonyButton(ctx, texts, { kind: 'get', label: texts.text(ctx.locale, 'button'), fallback: false })}`,
    { scripts: CEREMONY_SCRIPTS },
  )
}

/** Enrolment: the button that creates the new factor. */
export function enrollPage(ctx: PageContext, texts: ChannelTexts<string>, alert?: Alert): string {
  const title = texts.text(ctx.locale, 'enroll_title')
  return layout(
    ctx,
    title,
    html`<h1>${title}</h1>
<p class="lead">${texts.text(ctx.locale, 'enroll_lead', { app: ctx.appName })}</p>
${alertBox(alert)}
${ceremonyButton(ctx, texts, { kind: 'create', label: texts.text(ctx.locale, 'enroll_button'), fallback: false })}`,
    { scripts: CEREMONY_SCRIPTS },
  )
}

/** Enrolment's step-up: one of the user's passkeys, or a code to one of their phones or inboxes. */
export function stepUpPage(
  ctx: PageContext,
  texts: ChannelTexts<string>,
  choices: StepUpChoices,
  alert?: Alert,
): string {
  const say = (key: string, values: Record<string, string> = {}) =>
    texts.text(ctx.locale, key, { app: ctx.appName, ...values })
  const title = say('step_up_title')
  const none = !choices.ceremony && choices.codes.length === 0
  return layout(
    ctx,
    title,
    html`<h1>${title}</h1>
<p class="lead">${none ? say('step_up_none') : say('step_up_lead')}</p>
${alertBox(alert)}
${choices.ceremony ? ceremonyButton(ctx, texts, { kind: 'get', label: say('step_up_passkey'), fallback: choices.codes.length > 0 }) : ''}
<div class="secondary">${choices.codes.map(
      (choice) => html`<form method="post" action="/hosted/${ctx.sessionId}/step-up">${csrfField(ctx)}
<input type="hidden" name="factor_id" value="${choice.factorId}">
<button class="${choices.ceremony ? 'link' : 'primary'}" type="submit">${say('step_up_code', { to: choice.toMasked })}</button></form>`,
    )}</div>`,
    { scripts: choices.ceremony ? CEREMONY_SCRIPTS : [] },
  )
}
