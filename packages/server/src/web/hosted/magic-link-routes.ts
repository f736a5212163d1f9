import type { FastifyPluginAsync } from 'fastify'
import type { HostedSessionService } from '../../core/hosted-session-service.js'
import { formField, isValidCsrf } from '../page-security.js'
import { confirmPage, messagePage } from './hosted-pages.js'
import { hostedErrors, sessionOf } from './hosted-session.js'
import { CSRF_COOKIE, CSRF_PURPOSE, type HostedViews } from './hosted-views.js'

/**
 * The magic link (/hosted/:session_id/confirm): GET only shows a button (a
 * mail scanner's prefetch approves nothing); POST approves. The link's
 * secret is the proof, so a form without its CSRF token (another browser
 * than the one that started) gets the button again rather than the flow.
 */
export function magicLinkRoutes(deps: {
  sessions: Pick<HostedSessionService, 'verificationOf' | 'isCurrentLink' | 'confirmLink'>
  pageKey: Buffer
  views: HostedViews
}): FastifyPluginAsync {
  const { sessions, views } = deps
  return async (scope) => {
    scope.get<{ Querystring: Record<string, unknown> }>(
      '/confirm',
      { schema: { hide: true } },
      async (request, reply) => {
        const session = sessionOf(request)
        const ctx = views.contextFor(request, reply, session)
        const secret = String(request.query.t ?? '').slice(0, 100)
        if (session.completed) {
          return views.send(reply, ctx, messagePage(ctx, 'done_title', 'done_text', { success: true }))
        }
        const view = await sessions.verificationOf(session).catch(() => undefined)
        if (
          session.expired ||
          !view ||
          view.status !== 'pending' ||
          !(await sessions.isCurrentLink(session.id, secret))
        ) {
          return views.send(reply, ctx, messagePage(ctx, 'link_invalid_title', 'link_invalid_text'), 410)
        }
        return views.send(reply, ctx, confirmPage(ctx, { toMasked: view.toMasked ?? '', secret }), 200, session)
      },
    )

    scope.post(
      '/confirm',
      {
        schema: { hide: true },
        // Spent, expired or replaced meanwhile: done if the session completed, else the link is invalid.
        errorHandler: hostedErrors((reply, error, session, request) => {
          const ctx = views.contextFor(request, reply, session)
          if (session.completed) {
            return views.send(reply, ctx, messagePage(ctx, 'done_title', 'done_text', { success: true }))
          }
          return views.send(reply, ctx, messagePage(ctx, 'link_invalid_title', 'link_invalid_text'), error.status)
        }),
      },
      async (request, reply) => {
        const session = sessionOf(request)
        const secret = (formField(request.body, 't') ?? '').slice(0, 100)
        const cookie = request.cookies[CSRF_COOKIE]
        if (!isValidCsrf(deps.pageKey, CSRF_PURPOSE, session.id, cookie, formField(request.body, 'csrf'))) {
          const ctx = views.contextFor(request, reply, session)
          const view = await sessions.verificationOf(session).catch(() => undefined)
          if (!view || !(await sessions.isCurrentLink(session.id, secret))) {
            return views.send(reply, ctx, messagePage(ctx, 'link_invalid_title', 'link_invalid_text'), 403)
          }
          return views.send(reply, ctx, confirmPage(ctx, { toMasked: view.toMasked ?? '', secret }), 403, session)
        }
        const done = await sessions.confirmLink(session, secret)
        return reply.status(303).header('location', done.redirectTo).send()
      },
    )
  }
}
