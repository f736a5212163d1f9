import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js'
import type { Clock } from '../../core/clock.js'
import type { HostedSession, HostedSessionService } from '../../core/hosted-session-service.js'
import type { VerificationView } from '../../core/verification.js'
import { AppError } from '../../errors/app-error.js'
import { maskEmailAddress } from '../../identifiers/email-address.js'
import { maskPhoneNumber } from '../../identifiers/phone-number.js'
import { chooseLocale, homeCountry, isRightToLeft, SUPPORTED_LOCALES, type SupportedLocale } from '../../i18n/locale.js'
import type { ChannelName } from '../../settings/app-settings.js'
import { SOURCE_ROOT } from '../../source-root.js'
import {
  addFormParser,
  cookiesOf,
  csrfToken,
  formField,
  isSecureRequest,
  isValidCsrf,
  newNonce,
  sendPage,
  serializeCookie,
} from '../page-security.js'
import {
  type Alert,
  codePage,
  confirmPage,
  countriesFor,
  identifierPage,
  inlineAlert,
  messagePage,
  type PageContext,
} from './hosted-pages.js'
import { hostedTexts } from './hosted-texts.js'

const CSRF_COOKIE = 'tessera_hosted'
const CSRF_PURPOSE = 'hosted'

function asset(name: string): Buffer {
  return readFileSync(join(SOURCE_ROOT, 'web', 'assets', name))
}

/**
 * The hosted verification pages under /hosted/{session_id}: server-rendered,
 * working without JavaScript, every form CSRF-protected, every step through
 * the hosted session service (and so through the verification core).
 */
export async function registerHostedRoutes(
  server: FastifyInstance,
  deps: {
    sessions: HostedSessionService
    pageKey: Buffer
    clock: Clock
    publicUrl: () => string
  },
): Promise<void> {
  const { sessions } = deps
  const css = asset('hosted.css')
  const js = asset('hosted.js')
  // The package's own browser build (UMD, global `libphonenumber`); its exports map does not list it, so by path.
  const phoneLib = readFileSync(
    join(
      dirname(createRequire(import.meta.url).resolve('libphonenumber-js/package.json')),
      'bundle/libphonenumber-min.js',
    ),
  )

  await server.register(async (scope) => {
    addFormParser(scope)

    const serveAsset = (type: string, body: Buffer) => async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.header('content-type', type).header('cache-control', 'public, max-age=3600').send(body)
    scope.get('/hosted/assets/hosted.css', { schema: { hide: true } }, serveAsset('text/css; charset=utf-8', css))
    scope.get('/hosted/assets/hosted.js', { schema: { hide: true } }, serveAsset('text/javascript; charset=utf-8', js))
    scope.get(
      '/hosted/assets/libphonenumber.js',
      { schema: { hide: true } },
      serveAsset('text/javascript; charset=utf-8', phoneLib),
    )

    /** The CSRF cookie of this request, or the one this response sets (one per request). */
    const issuedCookies = new WeakMap<FastifyRequest, string>()

    /** The page context; sets the CSRF cookie when the browser has none yet. */
    function contextFor(request: FastifyRequest, reply: FastifyReply, session: HostedSession | undefined): PageContext {
      const locale = chooseLocale(
        [session?.locale, request.headers['accept-language'], session?.app.settings.default_locale],
        SUPPORTED_LOCALES,
      ) as SupportedLocale
      let cookie = issuedCookies.get(request) ?? cookiesOf(request).get(CSRF_COOKIE)
      if (!cookie || cookie.length < 20 || cookie.length > 100) {
        cookie = randomBytes(24).toString('base64url')
        reply.header(
          'set-cookie',
          serializeCookie(CSRF_COOKIE, cookie, {
            path: '/hosted/',
            secure: isSecureRequest(request, deps.publicUrl()),
            sameSite: 'Lax',
          }),
        )
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

    async function loadSession(id: string): Promise<HostedSession | undefined> {
      try {
        return await sessions.get(id)
      } catch (error) {
        if (error instanceof AppError) return undefined
        throw error
      }
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
      const fallback = session.channels[0] ?? 'sms'
      return session.channels.includes(requested as ChannelName) ? (requested as ChannelName) : fallback
    }

    function identifierView(
      ctx: PageContext,
      session: HostedSession,
      channel: ChannelName,
      extra: { phone?: string; email?: string; country?: string; alert?: Alert } = {},
    ) {
      const allowed = session.app.settings.channels.sms.allowed_countries
      const countries = countriesFor(ctx.locale, allowed)
      // The page language's likely home country comes first (locale files name it).
      const preferred = extra.country ?? homeCountry(ctx.locale as SupportedLocale)
      const country = countries.some((entry) => entry.code === preferred) ? preferred : (countries[0]?.code ?? 'US')
      return identifierPage(ctx, {
        channel,
        channels: session.channels,
        countries,
        country,
        phone: extra.phone,
        email: extra.email,
        alert: extra.alert,
        invalid: extra.alert !== undefined,
        // A preset is shown masked as every answer masks the identifier (a preset names the session's one channel).
        presetMasked:
          session.presetTo === null
            ? undefined
            : (channel === 'email' ? maskEmailAddress : maskPhoneNumber)(session.presetTo),
      })
    }

    function codeView(
      ctx: PageContext,
      session: HostedSession,
      view: VerificationView,
      alert?: Alert,
      options: { finished?: boolean } = {},
    ) {
      const channel = (view.channel === 'email' ? 'email' : 'sms') as ChannelName
      const policy = session.app.settings.channels[channel]
      const now = deps.clock.nowMs()
      const finished = options.finished ?? view.status !== 'pending'
      return codePage(ctx, {
        channel,
        toMasked: view.toMasked ?? '',
        codeLength: policy.code_length,
        digitsOnly: policy.code_alphabet === 'digits',
        linkSent: channel === 'email' && session.app.settings.email_magic_link,
        linkOnly: channel === 'email' && session.app.settings.email_magic_link && session.app.settings.email_link_only,
        resendInSeconds:
          view.resendAvailableAt === null ? null : Math.max(0, Math.ceil((view.resendAvailableAt - now) / 1000)),
        alert,
        finished,
        preset: session.presetTo !== null,
      })
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
      const view = await sessions.verificationOf(session).catch(() => undefined)
      if (view) {
        let alert = options.alert
        if (!alert && view.status === 'expired') alert = inlineAlert(ctx.t, 'error_expired')
        if (!alert && view.status === 'max_attempts_reached') alert = inlineAlert(ctx.t, 'error_locked')
        return send(reply, ctx, codeView(ctx, session, view, alert), options.status, session)
      }
      const channel = pickChannel(session, options.channel)
      return send(reply, ctx, identifierView(ctx, session, channel, { alert: options.alert }), options.status, session)
    }

    /** Loads the session and checks the form's CSRF token; answers the page itself when either fails. */
    async function guarded(
      request: FastifyRequest<{ Params: { session_id: string } }>,
      reply: FastifyReply,
      work: (session: HostedSession) => Promise<FastifyReply>,
    ): Promise<FastifyReply> {
      const session = await loadSession(request.params.session_id)
      if (!session) return notFound(request, reply)
      const cookie = cookiesOf(request).get(CSRF_COOKIE)
      if (!isValidCsrf(deps.pageKey, CSRF_PURPOSE, session.id, cookie, formField(request.body, 'csrf'))) {
        const ctx = contextFor(request, reply, session)
        return currentPage(request, reply, session, {
          alert: inlineAlert(ctx.t, 'error_form_expired'),
          status: 403,
        })
      }
      return work(session)
    }

    const see = (reply: FastifyReply, location: string) => reply.status(303).header('location', location).send()

    scope.get<{ Params: { session_id: string }; Querystring: { channel?: string } }>(
      '/hosted/:session_id',
      { schema: { hide: true } },
      async (request, reply) => {
        const session = await loadSession(request.params.session_id)
        if (!session) return notFound(request, reply)
        const sent = (request.query as Record<string, unknown>).sent === '1'
        const ctx = contextFor(request, reply, session)
        return currentPage(request, reply, session, {
          channel: (request.query as Record<string, unknown>).channel,
          alert: sent ? { kind: 'info', text: ctx.t.text('sent_again') } : undefined,
        })
      },
    )

    scope.post<{ Params: { session_id: string } }>(
      '/hosted/:session_id/start',
      { schema: { hide: true } },
      async (request, reply) =>
        guarded(request, reply, async (session) => {
          const channel = pickChannel(session, formField(request.body, 'channel'))
          const phone = formField(request.body, 'phone')?.slice(0, 64) ?? ''
          const email = formField(request.body, 'email')?.trim().slice(0, 320) ?? ''
          const country = formField(request.body, 'country')?.slice(0, 2).toUpperCase() ?? ''
          let to = channel === 'sms' ? phone : email
          if (channel === 'sms' && session.presetTo === null) {
            // Without JavaScript the number arrives as typed, national or international: the country decides.
            const parsed = parsePhoneNumberFromString(
              phone,
              /^[A-Z]{2}$/.test(country) ? (country as CountryCode) : undefined,
            )
            to = parsed?.isValid() ? parsed.number : phone
          }
          try {
            await sessions.start(session, { channel, to, clientIp: request.ip })
            return see(reply, `/hosted/${session.id}`)
          } catch (error) {
            if (!(error instanceof AppError)) throw error
            const ctx = contextFor(request, reply, session)
            if (error.code === 'verification_not_pending' || error.code === 'verification_expired') {
              return currentPage(request, reply, session)
            }
            return send(
              reply,
              ctx,
              identifierView(ctx, session, channel, { phone, email, country, alert: alertFor(ctx, error, channel) }),
              error.status,
              session,
            )
          }
        }),
    )

    scope.post<{ Params: { session_id: string } }>(
      '/hosted/:session_id/verify',
      { schema: { hide: true } },
      async (request, reply) =>
        guarded(request, reply, async (session) => {
          const code = (formField(request.body, 'code') ?? '').slice(0, 64)
          try {
            if (code.trim() === '') throw new AppError('invalid_verification_code', { details: {} })
            const done = await sessions.check(session, code)
            return see(reply, done.redirectTo)
          } catch (error) {
            if (!(error instanceof AppError)) throw error
            if (error.code === 'verification_not_pending') return currentPage(request, reply, session)
            const ctx = contextFor(request, reply, session)
            const alert =
              code.trim() === ''
                ? { kind: 'error' as const, text: ctx.t.text('label_code') }
                : alertFor(ctx, error, session.channel ?? 'sms')
            const view = await sessions.verificationOf(session).catch(() => undefined)
            if (!view) return currentPage(request, reply, session, { alert, status: error.status })
            return send(reply, ctx, codeView(ctx, session, view, alert), error.status, session)
          }
        }),
    )

    scope.post<{ Params: { session_id: string } }>(
      '/hosted/:session_id/resend',
      { schema: { hide: true } },
      async (request, reply) =>
        guarded(request, reply, async (session) => {
          try {
            await sessions.resend(session)
            return see(reply, `/hosted/${session.id}?sent=1`)
          } catch (error) {
            if (!(error instanceof AppError)) throw error
            const ctx = contextFor(request, reply, session)
            return currentPage(request, reply, session, {
              alert: alertFor(ctx, error, session.channel ?? 'sms'),
              status: error.status,
            })
          }
        }),
    )

    scope.post<{ Params: { session_id: string } }>(
      '/hosted/:session_id/restart',
      { schema: { hide: true } },
      async (request, reply) =>
        guarded(request, reply, async (session) => {
          try {
            await sessions.restart(session)
          } catch (error) {
            if (!(error instanceof AppError)) throw error
          }
          // With a preset identifier a fresh start sends the code at once: there is nothing to type.
          const fresh = await sessions.get(session.id)
          if (fresh.presetTo !== null && fresh.channels[0] && !fresh.completed && !fresh.expired) {
            try {
              await sessions.start(fresh, { channel: fresh.channels[0], to: fresh.presetTo, clientIp: request.ip })
            } catch (error) {
              if (!(error instanceof AppError)) throw error
              const ctx = contextFor(request, reply, fresh)
              return currentPage(request, reply, await sessions.get(session.id), {
                alert: alertFor(ctx, error, fresh.channels[0]),
                status: error.status,
              })
            }
          }
          return see(reply, `/hosted/${session.id}`)
        }),
    )

    // The magic link: GET only shows a button (a mail scanner's prefetch approves nothing); POST approves.
    scope.get<{ Params: { session_id: string }; Querystring: { t?: string } }>(
      '/hosted/:session_id/confirm',
      { schema: { hide: true } },
      async (request, reply) => {
        const session = await loadSession(request.params.session_id)
        if (!session) return notFound(request, reply)
        const ctx = contextFor(request, reply, session)
        const secret = String((request.query as Record<string, unknown>).t ?? '').slice(0, 100)
        if (session.completed) return send(reply, ctx, messagePage(ctx, 'done_title', 'done_text', { success: true }))
        const view = await sessions.verificationOf(session).catch(() => undefined)
        if (
          session.expired ||
          !view ||
          view.status !== 'pending' ||
          !(await sessions.isCurrentLink(session.id, secret))
        ) {
          return send(reply, ctx, messagePage(ctx, 'link_invalid_title', 'link_invalid_text'), 410)
        }
        return send(reply, ctx, confirmPage(ctx, { toMasked: view.toMasked ?? '', secret }), 200, session)
      },
    )

    scope.post<{ Params: { session_id: string } }>(
      '/hosted/:session_id/confirm',
      { schema: { hide: true } },
      async (request, reply) => {
        const session = await loadSession(request.params.session_id)
        if (!session) return notFound(request, reply)
        const ctx = contextFor(request, reply, session)
        const secret = (formField(request.body, 't') ?? '').slice(0, 100)
        const cookie = cookiesOf(request).get(CSRF_COOKIE)
        if (!isValidCsrf(deps.pageKey, CSRF_PURPOSE, session.id, cookie, formField(request.body, 'csrf'))) {
          const view = await sessions.verificationOf(session).catch(() => undefined)
          if (!view || !(await sessions.isCurrentLink(session.id, secret))) {
            return send(reply, ctx, messagePage(ctx, 'link_invalid_title', 'link_invalid_text'), 403)
          }
          return send(reply, ctx, confirmPage(ctx, { toMasked: view.toMasked ?? '', secret }), 403, session)
        }
        try {
          const done = await sessions.confirmLink(session, secret)
          return see(reply, done.redirectTo)
        } catch (error) {
          if (!(error instanceof AppError)) throw error
          if (session.completed) {
            return send(reply, ctx, messagePage(ctx, 'done_title', 'done_text', { success: true }))
          }
          return send(reply, ctx, messagePage(ctx, 'link_invalid_title', 'link_invalid_text'), error.status)
        }
      },
    )
  })
}
