import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { ConsoleSessionService } from '../../../core/console-session-service.js'
import { isSecureRequest } from '../../page-security.js'
import type { createConsoleAuth } from '../console-auth.js'
import { sessionsPage } from '../pages/sessions-page.js'
import { page, pageOf, see, sessionIdOf } from '../signed-in.js'

/** Signing out, and the operator's list of console sessions, each revocable ("sign out everywhere" too). */
export function sessionsRoutes(deps: {
  auth: Pick<ReturnType<typeof createConsoleAuth>, 'clearCookie'>
  sessions: Pick<ConsoleSessionService, 'list' | 'revoke' | 'revokeAll'>
  currentPublicUrl: () => string
}): FastifyPluginAsync {
  const { sessions } = deps
  return async (scope) => {
    const secure = (request: FastifyRequest) => isSecureRequest(request, deps.currentPublicUrl())

    scope.post('/sign-out', { schema: { hide: true } }, async (request, reply) => {
      // Revoked, not only forgotten by this browser: a copy of the cookie stops working too.
      await sessions.revoke(sessionIdOf(request))
      deps.auth.clearCookie(reply, secure(request))
      return see(reply, '/console/sign-in')
    })

    scope.get<{ Querystring: { done?: string } }>('/sessions', { schema: { hide: true } }, async (request, reply) => {
      const ctx = pageOf(request)
      const message = request.query.done === 'revoked' ? { kind: 'ok' as const, text: 'Session revoked.' } : undefined
      return page(reply, ctx, sessionsPage(ctx, await sessions.list(), sessionIdOf(request), message))
    })

    scope.post<{ Params: { session_id: string } }>(
      '/sessions/:session_id/revoke',
      { schema: { hide: true } },
      async (request, reply) => {
        const current = sessionIdOf(request)
        const revoked = await sessions.revoke(request.params.session_id)
        if (request.params.session_id === current) {
          deps.auth.clearCookie(reply, secure(request))
          return see(reply, '/console/sign-in')
        }
        if (!revoked) {
          const ctx = pageOf(request)
          const message = { kind: 'error' as const, text: 'No such active session.' }
          return page(reply, ctx, sessionsPage(ctx, await sessions.list(), current, message), 404)
        }
        return see(reply, '/console/sessions?done=revoked')
      },
    )

    scope.post('/sessions/revoke-all', { schema: { hide: true } }, async (request, reply) => {
      // Sign out everywhere, this browser included: every stored session is revoked in one statement.
      await sessions.revokeAll()
      deps.auth.clearCookie(reply, secure(request))
      return see(reply, '/console/sign-in')
    })
  }
}
