import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js'
import { channelNamed } from '../../channels/built-in-channels.js'
import type { HostedSessionService } from '../../core/hosted-session-service.js'
import { AppError } from '../../errors/app-error.js'
import { formField } from '../page-security.js'
import { checksForms, hostedErrors, sessionOf } from './hosted-session.js'
import type { HostedViews } from './hosted-views.js'

/**
 * The hosted flow of one session (/hosted/:session_id): the page for its
 * state, then start, verify, resend and restart, each a CSRF-checked form.
 * An AppError not handled below is the session's current page with the
 * error in the page's words (hosted-plugin.ts).
 */
export function hostedRoutes(deps: {
  sessions: Pick<HostedSessionService, 'get' | 'verificationOf' | 'start' | 'resend' | 'restart' | 'check'>
  pageKey: Buffer
  views: HostedViews
}): FastifyPluginAsync {
  const { sessions, views } = deps
  const see = (reply: FastifyReply, location: string) => reply.status(303).header('location', location).send()

  return async (scope) => {
    checksForms(scope, { pageKey: deps.pageKey, views })

    scope.get<{ Querystring: Record<string, unknown> }>(
      '/',
      { schema: { hide: true }, prefixTrailingSlash: 'no-slash' },
      async (request, reply) => {
        const session = sessionOf(request)
        const sent = request.query.sent === '1'
        const ctx = views.contextFor(request, reply, session)
        return views.currentPage(request, reply, session, {
          channel: request.query.channel,
          alert: sent ? { kind: 'info', text: ctx.t.text('sent_again') } : undefined,
        })
      },
    )

    scope.post(
      '/start',
      {
        schema: { hide: true },
        // Refused: the identifier step again, as typed, with the reason; over already: the current page.
        errorHandler: hostedErrors((reply, error, session, request) => {
          if (error.code === 'verification_not_pending' || error.code === 'verification_expired') {
            return views.currentPage(request, reply, session)
          }
          const channel = views.pickChannel(session, formField(request.body, 'channel'))
          const { typed, country } = typedIdentifier(request.body, channel)
          const ctx = views.contextFor(request, reply, session)
          const alert = views.alertFor(ctx, error, channel)
          return views.send(
            reply,
            ctx,
            views.identifierView(ctx, session, channel, { typed, country, alert }),
            error.status,
            session,
          )
        }),
      },
      async (request, reply) => {
        const session = sessionOf(request)
        const requested = formField(request.body, 'channel')
        const channel = views.pickChannel(session, requested)
        const { typed, country } = typedIdentifier(request.body, channel)
        let to = typed
        if (channelNamed(channel).identifier.kind === 'phone' && session.presetTo === null) {
          // Without JavaScript the number arrives as typed, national or international: the country decides.
          const parsed = parsePhoneNumberFromString(
            typed,
            /^[A-Z]{2}$/.test(country) ? (country as CountryCode) : undefined,
          )
          to = parsed?.isValid() ? parsed.number : typed
        }
        await sessions.start(session, { channel, to, clientIp: request.ip })
        return see(reply, `/hosted/${session.id}`)
      },
    )

    scope.post(
      '/verify',
      {
        schema: { hide: true },
        // A wrong code: the code step again with the reason (an empty one asks for the code).
        errorHandler: hostedErrors(async (reply, error, session, request) => {
          if (error.code === 'verification_not_pending') return views.currentPage(request, reply, session)
          const ctx = views.contextFor(request, reply, session)
          const alert =
            codeOf(request.body).trim() === ''
              ? { kind: 'error' as const, text: ctx.t.text('label_code') }
              : views.alertFor(ctx, error, session.channel ?? views.pickChannel(session, undefined))
          const view = await sessions.verificationOf(session).catch(() => undefined)
          if (!view) return views.currentPage(request, reply, session, { alert, status: error.status })
          return views.send(reply, ctx, views.codeView(ctx, session, view, alert), error.status, session)
        }),
      },
      async (request, reply) => {
        const session = sessionOf(request)
        const code = codeOf(request.body)
        if (code.trim() === '') throw new AppError('invalid_verification_code', { details: {} })
        const done = await sessions.check(session, code)
        return see(reply, done.redirectTo)
      },
    )

    scope.post('/resend', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request)
      // "Call me instead": the button names another of the session's channels; anything else is refused there.
      const requested = formField(request.body, 'channel')
      const channel = session.channels.find((offered) => offered === requested)
      if (requested !== undefined && channel === undefined) throw new AppError('channel_not_enabled')
      await sessions.resend(session, { channel })
      return see(reply, `/hosted/${session.id}?sent=1`)
    })

    scope.post('/restart', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request)
      await sessions.restart(session).catch((error: unknown) => {
        // Nothing in flight to forget: the fresh start below is what counts.
        if (!(error instanceof AppError)) throw error
      })
      // With a preset identifier a fresh start sends the code at once: there is nothing to type.
      const fresh = await sessions.get(session.id)
      if (fresh.presetTo !== null && fresh.channels[0] && !fresh.completed && !fresh.expired) {
        await sessions.start(fresh, { channel: fresh.channels[0], to: fresh.presetTo, clientIp: request.ip })
      }
      return see(reply, `/hosted/${session.id}`)
    })
  }
}

/** The identifier step's fields as typed, bounded: the channel's input field, and the phone's country. */
function typedIdentifier(body: unknown, channel: string) {
  const input = channelNamed(channel).identifier.input
  const raw = formField(body, input.field) ?? ''
  return {
    typed: input.verbatim ? raw.trim().slice(0, input.maxlength) : raw.slice(0, 64),
    country: formField(body, 'country')?.slice(0, 2).toUpperCase() ?? '',
  }
}

const codeOf = (body: unknown) => (formField(body, 'code') ?? '').slice(0, 64)
