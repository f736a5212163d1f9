import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { App } from '../../../core/app-service.js'
import type { WebhookService } from '../../../core/webhooks/webhook-service.js'
import { formField } from '../../page-security.js'
import type { ConsoleContext, Message } from '../pages/layout.js'
import { type ShownSecret, webhooksPage } from '../pages/webhooks-page.js'
import { appOf, page, pageOf, renderAppErrors } from '../signed-in.js'

type Params = { Params: { webhook_id: string } }

/** The Events field as typed: a comma- or space-separated list. */
function eventList(value: string | undefined): string[] {
  const names = (value ?? '').split(/[\s,]+/).filter((name) => name !== '')
  return names.length === 0 ? ['*'] : names
}

/** An app's webhook endpoints: added (the secret shown in that one response), enabled or disabled, rotated, deleted. */
export function webhooksRoutes(deps: {
  webhooks: Pick<WebhookService, 'list' | 'create' | 'update' | 'rotateSecret' | 'remove'>
}): FastifyPluginAsync {
  const { webhooks } = deps

  async function view(
    reply: FastifyReply,
    ctx: ConsoleContext,
    app: App,
    options: { shown?: ShownSecret; message?: Message; status?: number } = {},
  ) {
    const endpoints = await webhooks.list(app.id)
    return page(reply, ctx, webhooksPage(ctx, app, endpoints, options), options.status)
  }

  return async (scope) => {
    renderAppErrors(scope, (reply, error, ctx, app) =>
      view(reply, ctx, app, { message: { kind: 'error', text: error.message }, status: error.status }),
    )

    scope.get('/webhooks', { schema: { hide: true } }, async (request, reply) =>
      view(reply, pageOf(request), appOf(request)),
    )

    scope.post('/webhooks', { schema: { hide: true } }, async (request, reply) => {
      const app = appOf(request)
      const description = formField(request.body, 'description')?.trim()
      const created = await webhooks.create(app.id, {
        url: (formField(request.body, 'url') ?? '').trim(),
        events: eventList(formField(request.body, 'events')),
        description: description ? description : null,
      })
      // Rendered, not redirected: the secret exists in this one response only.
      return view(reply, pageOf(request), app, { shown: Object.assign({}, created, { rotated: false }), status: 201 })
    })

    for (const [action, enabled] of [
      ['enable', true],
      ['disable', false],
    ] as const) {
      scope.post<Params>(`/webhooks/:webhook_id/${action}`, { schema: { hide: true } }, async (request, reply) => {
        const app = appOf(request)
        await webhooks.update(app.id, request.params.webhook_id, { enabled })
        return view(reply, pageOf(request), app, {
          message: { kind: 'ok', text: enabled ? 'Endpoint enabled.' : 'Endpoint disabled.' },
        })
      })
    }

    scope.post<Params>('/webhooks/:webhook_id/rotate', { schema: { hide: true } }, async (request, reply) => {
      const app = appOf(request)
      const rotated = await webhooks.rotateSecret(app.id, request.params.webhook_id)
      return view(reply, pageOf(request), app, { shown: Object.assign({}, rotated, { rotated: true }) })
    })

    scope.post<Params>('/webhooks/:webhook_id/delete', { schema: { hide: true } }, async (request, reply) => {
      const app = appOf(request)
      await webhooks.remove(app.id, request.params.webhook_id)
      return view(reply, pageOf(request), app, { message: { kind: 'ok', text: 'Endpoint deleted.' } })
    })
  }
}
