import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { App, AppService, CreatedApiKey } from '../../../core/app-service.js'
import { formField } from '../../page-security.js'
import { keysPage } from '../pages/keys-page.js'
import type { ConsoleContext, Message } from '../pages/layout.js'
import { appOf, page, pageOf, renderAppErrors } from '../signed-in.js'

/** An app's API keys: created (the secret shown in that one response), listed, revoked. */
export function keysRoutes(deps: {
  apps: Pick<AppService, 'listKeys' | 'createKey' | 'revokeKey'>
}): FastifyPluginAsync {
  const { apps } = deps

  async function keysView(
    reply: FastifyReply,
    ctx: ConsoleContext,
    app: App,
    options: { created?: CreatedApiKey; message?: Message; status?: number } = {},
  ) {
    const keys = await apps.listKeys(app.id)
    return page(reply, ctx, keysPage(ctx, app, keys, options.created, options.message), options.status)
  }

  return async (scope) => {
    renderAppErrors(scope, (reply, error, ctx, app) =>
      keysView(reply, ctx, app, { message: { kind: 'error', text: error.message }, status: error.status }),
    )

    scope.get<{ Querystring: { created?: string } }>('/keys', { schema: { hide: true } }, async (request, reply) => {
      const app = appOf(request)
      const message =
        request.query.created === '1'
          ? { kind: 'ok' as const, text: `App “${app.name}” created. Create a key for your backend below.` }
          : undefined
      return keysView(reply, pageOf(request), app, { message })
    })

    scope.post('/keys', { schema: { hide: true } }, async (request, reply) => {
      const app = appOf(request)
      const name = formField(request.body, 'name')
      const created = await apps.createKey(app.id, { name: name?.trim() ? name : undefined })
      // Rendered, not redirected: the secret exists in this one response only.
      return keysView(reply, pageOf(request), app, { created, status: 201 })
    })

    scope.post<{ Params: { key_id: string } }>(
      '/keys/:key_id/revoke',
      { schema: { hide: true } },
      async (request, reply) => {
        const app = appOf(request)
        await apps.revokeKey(app.id, request.params.key_id)
        return keysView(reply, pageOf(request), app, {
          message: { kind: 'ok', text: 'Key revoked. Requests with it now fail.' },
        })
      },
    )
  }
}
