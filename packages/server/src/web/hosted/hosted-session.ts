import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { HostedSession, HostedSessionService } from '../../core/hosted-session-service.js'
import { AppError } from '../../errors/app-error.js'
import { formField, isValidCsrf } from '../page-security.js'
import { inlineAlert } from './hosted-pages.js'
import { CSRF_COOKIE, CSRF_PURPOSE, type HostedViews } from './hosted-views.js'

const sessionsOf = new WeakMap<FastifyRequest, HostedSession>()

/** The hosted session of a request under /hosted/:session_id (loaded by the session hook). */
export function sessionOf(request: FastifyRequest): HostedSession {
  const session = sessionsOf.get(request)
  if (!session) throw new Error('hosted route outside the session scope')
  return session
}

/**
 * Loads the session a route names before its handler; an unknown (or
 * malformed) id is the "not found" page, which reveals nothing more.
 */
export function loadsSession(
  scope: FastifyInstance,
  deps: { sessions: Pick<HostedSessionService, 'get'>; views: HostedViews },
): void {
  scope.addHook('preHandler', async (request, reply) => {
    const id = (request.params as { session_id?: string }).session_id ?? ''
    const session = await deps.sessions.get(id).catch((error: unknown) => {
      if (error instanceof AppError) return undefined
      throw error
    })
    if (!session) return deps.views.notFound(request, reply)
    sessionsOf.set(request, session)
  })
}

/**
 * Every form of `scope` carries the CSRF token bound to the session and the
 * browser's cookie; without it, the session's current page says the form
 * expired (403).
 */
export function checksForms(scope: FastifyInstance, deps: { pageKey: Buffer; views: HostedViews }): void {
  scope.addHook('preHandler', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD') return
    const session = sessionOf(request)
    const cookie = request.cookies[CSRF_COOKIE]
    if (isValidCsrf(deps.pageKey, CSRF_PURPOSE, session.id, cookie, formField(request.body, 'csrf'))) return
    const ctx = deps.views.contextFor(request, reply, session)
    return deps.views.currentPage(request, reply, session, {
      alert: inlineAlert(ctx.t, 'error_form_expired'),
      status: 403,
    })
  })
}

/**
 * An error handler that answers a hosted session's AppErrors with a page
 * (`render`); anything else, or an error before the session was loaded (a
 * malformed body, say), goes on to the server's handler and its JSON.
 */
export function hostedErrors(
  render: (reply: FastifyReply, error: AppError, session: HostedSession, request: FastifyRequest) => unknown,
) {
  return async (error: Error, request: FastifyRequest, reply: FastifyReply) => {
    const session = sessionsOf.get(request)
    if (!(error instanceof AppError) || !session) throw error
    return render(reply, error, session, request)
  }
}
