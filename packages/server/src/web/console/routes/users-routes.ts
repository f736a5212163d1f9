import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { App } from '../../../core/app-service.js'
import type { FactorService } from '../../../core/factor-service.js'
import type { ConsoleContext, Message } from '../pages/layout.js'
import { usersPage } from '../pages/users-page.js'
import { appOf, page, pageOf, renderAppErrors } from '../signed-in.js'

/** Host apps' user ids as the API takes them: printable, no slashes or whitespace, up to 128 characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the API's user-id rule refuses control characters by naming them.
const USER_ID = /^[^\s/\u0000-\u001f\u007f]{1,128}$/

/** The support desk: a user's factors (passkeys with their authenticator, last use, backup state), and removal. */
export function usersRoutes(deps: { factors: Pick<FactorService, 'list' | 'remove'> }): FastifyPluginAsync {
  async function usersView(
    reply: FastifyReply,
    ctx: ConsoleContext,
    app: App,
    userId: string,
    options: { message?: Message; status?: number } = {},
  ) {
    const factors = USER_ID.test(userId) ? await deps.factors.list(app, userId) : undefined
    return page(reply, ctx, usersPage(ctx, app, { userId, factors, message: options.message }), options.status)
  }

  return async (scope) => {
    renderAppErrors(scope, (reply, error, ctx, app, request) => {
      const userId = (request.params as { user_id?: string }).user_id ?? ''
      return usersView(reply, ctx, app, userId, {
        message: { kind: 'error', text: error.message },
        status: error.status,
      })
    })

    scope.get<{ Querystring: { user_id?: string } }>('/users', { schema: { hide: true } }, async (request, reply) => {
      const userId = typeof request.query.user_id === 'string' ? request.query.user_id.trim() : ''
      const message =
        userId !== '' && !USER_ID.test(userId)
          ? { kind: 'error' as const, text: 'A user id is up to 128 printable characters without slashes or spaces.' }
          : undefined
      return usersView(reply, pageOf(request), appOf(request), userId, { message })
    })

    scope.post<{ Params: { user_id: string; factor_id: string } }>(
      '/users/:user_id/factors/:factor_id/remove',
      { schema: { hide: true } },
      async (request, reply) => {
        const app = appOf(request)
        const { user_id: userId, factor_id: factorId } = request.params
        // The operator vouches, as on the admin API: no step-up token.
        await deps.factors.remove(app, userId, factorId.slice(0, 64), { kind: 'admin' })
        return usersView(reply, pageOf(request), app, userId, { message: { kind: 'ok', text: 'Factor removed.' } })
      },
    )
  }
}
