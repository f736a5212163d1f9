import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { CHANNEL_NAMES, channelNamed } from '../../channels/built-in-channels.js'
import { channelPolicy } from '../../channels/channel-policy.js'
import type { Clock } from '../../core/clock.js'
import type { HostedSession, HostedSessionService } from '../../core/hosted-session-service.js'
import type { VerificationView } from '../../core/verification.js'
import type { AppError } from '../../errors/app-error.js'
import { chooseLocale, homeCountry, isRightToLeft, SUPPORTED_LOCALES, type SupportedLocale } from '../../i18n/locale.js'
import type { ChannelTexts } from '../../i18n/translate.js'
import type { ChannelName } from '../../settings/app-settings.js'
import type { VerifierRegistry } from '../../verifiers/verifier-registry.js'
import { csrfToken, isSecureRequest, newNonce, sendPage } from '../page-security.js'
import { ceremonyButton, ceremonyPage, enrollPage, stepUpPage } from './ceremony-pages.js'
import {
  type Alert,
  codePage,
  countriesFor,
  identifierPage,
  inlineAlert,
  messagePage,
  type PageContext,
} from './hosted-pages.js'
import { hostedTexts } from './hosted-texts.js'

export const CSRF_COOKIE = 'tessera_hosted'
export const CSRF_PURPOSE = 'hosted'

export interface HostedViewDeps {
  readonly sessions: Pick<HostedSessionService, 'verificationOf' | 'stepUpChoices'>
  /** The ceremony types' texts (`Verifier.texts`). */
  readonly verifiers: VerifierRegistry
  readonly pageKey: Buffer
  readonly clock: Clock
  readonly publicUrl: () => string
}

export type HostedViews = ReturnType<typeof createHostedViews>

/**
 * How the hosted pages answer: each page's context (language, the app's look,
 * nonce, the CSRF cookie and token), the page for a session's current state,
 * and the core's errors in the page's words. Shared by the routes and the
 * hosted plugin's error handler.
 */
export function createHostedViews(deps: HostedViewDeps) {
  /** The CSRF cookie this response sets, when the browser had none (one per request). */
  const issuedCookies = new WeakMap<FastifyRequest, string>()

  /** The page context; sets the CSRF cookie when the browser has none yet. */
  function contextFor(request: FastifyRequest, reply: FastifyReply, session: HostedSession | undefined): PageContext {
    const locale = chooseLocale(
      [session?.locale, request.headers['accept-language'], session?.app.settings.default_locale],
      SUPPORTED_LOCALES,
    ) as SupportedLocale
    let cookie = issuedCookies.get(request) ?? request.cookies[CSRF_COOKIE]
    if (!cookie || cookie.length < 20 || cookie.length > 100) {
      cookie = randomBytes(24).toString('base64url')
      reply.setCookie(CSRF_COOKIE, cookie, {
        path: '/hosted/',
        httpOnly: true,
        secure: isSecureRequest(request, deps.publicUrl()),
        sameSite: 'lax',
      })
      issuedCookies.set(request, cookie)
    }
    return {
      locale,
      dir: isRightToLeft(locale) ? 'rtl' : 'ltr',
      t: hostedTexts(locale),
      appName: session?.app.name ?? 'Tessera',
      brandColor: session?.app.settings.brand_color ?? '#4F46E5',
      nonce: newNonce(),
      csrf: session ? csrfToken(deps.pageKey, CSRF_PURPOSE, session.id, cookie) : '',
      sessionId: session?.id ?? '',
    }
  }

  function send(reply: FastifyReply, ctx: PageContext, body: string, status = 200, session?: HostedSession) {
    // Chrome applies form-action to a form's redirect too: the app's redirect origin must be allowed.
    const formTargets = session ? [new URL(session.redirectUrl).origin] : []
    return sendPage(reply, body, { nonce: ctx.nonce, status, formTargets })
  }

  function notFound(request: FastifyRequest, reply: FastifyReply) {
    const ctx = contextFor(request, reply, undefined)
    return send(reply, ctx, messagePage(ctx, 'not_found_title', 'not_found_text'), 404)
  }

  /** Maps the core's errors to the page's words. */
  function alertFor(ctx: PageContext, error: AppError, channel: ChannelName): Alert {
    const { t } = ctx
    const details = error.details ?? {}
    switch (error.code) {
      case 'invalid_verification_code':
        return inlineAlert(t, 'error_wrong_code', { n: Number(details.attempts_remaining ?? 0) })
      case 'verification_expired':
        return inlineAlert(t, 'error_expired')
      case 'max_attempts_reached':
      case 'factor_locked':
        return inlineAlert(t, 'error_locked')
      case 'max_sends_reached':
        return inlineAlert(t, 'error_too_many_sends')
      case 'resend_too_soon':
        return inlineAlert(t, 'error_resend_too_soon', { seconds: Number(details.retry_after ?? 1) })
      case 'rate_limited':
        return inlineAlert(t, 'error_rate_limited')
      case 'invalid_identifier':
      case 'invalid_request':
        return { kind: 'error', text: t.channel(channel, 'error_invalid') }
      case 'delivery_failed':
        return inlineAlert(t, 'error_delivery')
      default:
        return inlineAlert(t, 'error_generic')
    }
  }

  function pickChannel(session: HostedSession, requested: unknown): ChannelName {
    const fallback = session.channels[0] ?? (CHANNEL_NAMES[0] as ChannelName)
    return session.channels.includes(requested as ChannelName) ? (requested as ChannelName) : fallback
  }

  /** The texts of the session's ceremony type (a passkey's), when it offers one. */
  function ceremonyTexts(session: HostedSession): ChannelTexts<string> | undefined {
    const type = session.ceremonies[0]
    return type === undefined ? undefined : deps.verifiers.find(type)?.texts
  }

  function identifierView(
    ctx: PageContext,
    session: HostedSession,
    channel: ChannelName,
    extra: { typed?: string; country?: string; alert?: Alert } = {},
  ) {
    const texts = ceremonyTexts(session)
    // A channel that limits where it may send (the SMS countries) offers only those in the picker.
    const policy = channelPolicy(session.app.settings, channel)
    const allowed = Array.isArray(policy.allowed_countries) ? (policy.allowed_countries as string[]) : []
    const countries = countriesFor(ctx.locale, allowed)
    // The page language's likely home country comes first (locale files name it).
    const preferred = extra.country ?? homeCountry(ctx.locale as SupportedLocale)
    const country = countries.some((entry) => entry.code === preferred) ? preferred : (countries[0]?.code ?? 'US')
    return identifierPage(ctx, {
      channel,
      channels: session.channels,
      countries,
      country,
      typed: extra.typed,
      alert: extra.alert,
      invalid: extra.alert !== undefined,
      // A preset is shown masked as every answer masks the identifier (a preset names the session's one channel).
      presetMasked: session.presetTo === null ? undefined : channelNamed(channel).identifier.mask(session.presetTo),
      ceremony: texts
        ? ceremonyButton(ctx, texts, { kind: 'get', label: texts.text(ctx.locale, 'button'), fallback: true })
        : undefined,
    })
  }

  function codeView(ctx: PageContext, session: HostedSession, view: VerificationView, alert?: Alert) {
    const channel = view.channel as ChannelName
    const policy = session.app.settings.channels[channel]
    const links = channelNamed(channel).carriesLinks && session.app.settings.email_magic_link
    const now = deps.clock.nowMs()
    return codePage(ctx, {
      channel,
      toMasked: view.toMasked ?? '',
      codeLength: policy.code_length,
      digitsOnly: policy.code_alphabet === 'digits',
      linkSent: links,
      linkOnly: links && session.app.settings.email_link_only,
      resendInSeconds:
        view.resendAvailableAt === null ? null : Math.max(0, Math.ceil((view.resendAvailableAt - now) / 1000)),
      alert,
      finished: view.status !== 'pending',
      preset: session.presetTo !== null,
      instead: offersInstead(ctx, session, channel),
    })
  }

  /**
   * The session's other channels that can reach the same person and offer themselves on the code page
   * ("Call me instead", "Send the code on WhatsApp instead"), when the app has them on.
   */
  function offersInstead(ctx: PageContext, session: HostedSession, current: ChannelName) {
    const kind = channelNamed(current).identifier.kind
    return session.channels
      .filter((other) => other !== current)
      .map((other) => channelNamed(other))
      .filter(
        (other) =>
          other.offeredInstead === true &&
          other.identifier.kind === kind &&
          session.app.settings.channels[other.name as ChannelName].enabled,
      )
      .map((other) => ({ channel: other.name, label: other.texts.text(ctx.locale, 'offer') }))
  }

  /** The page for the session's current state, with an optional message. */
  async function currentPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: HostedSession,
    options: { alert?: Alert; status?: number; channel?: unknown } = {},
  ) {
    const ctx = contextFor(request, reply, session)
    if (session.completed) return send(reply, ctx, messagePage(ctx, 'done_title', 'done_text', { success: true }))
    if (session.expired) return send(reply, ctx, messagePage(ctx, 'expired_title', 'expired_text'), 410)
    // A ceremony in flight has no page of its own: its button's page stands (a code in flight has the code page).
    const codeInFlight = session.channel !== null && !session.ceremonies.includes(session.channel)
    const view = codeInFlight ? await deps.sessions.verificationOf(session).catch(() => undefined) : undefined
    const texts = ceremonyTexts(session)
    if (session.purpose === 'enroll' && texts && !view) {
      const choices = await deps.sessions.stepUpChoices(session)
      const page =
        choices.required && !session.steppedUp
          ? stepUpPage(ctx, texts, choices, options.alert)
          : enrollPage(ctx, texts, options.alert)
      return send(reply, ctx, page, options.status, session)
    }
    if (view) {
      let alert = options.alert
      if (!alert && view.status === 'expired') alert = inlineAlert(ctx.t, 'error_expired')
      if (!alert && view.status === 'max_attempts_reached') alert = inlineAlert(ctx.t, 'error_locked')
      return send(reply, ctx, codeView(ctx, session, view, alert), options.status, session)
    }
    if (session.channels.length === 0 && texts) {
      return send(reply, ctx, ceremonyPage(ctx, texts, options.alert), options.status, session)
    }
    const channel = pickChannel(session, options.channel)
    return send(reply, ctx, identifierView(ctx, session, channel, { alert: options.alert }), options.status, session)
  }

  return { contextFor, send, notFound, alertFor, pickChannel, identifierView, codeView, currentPage }
}
