import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { AppService } from '../../../core/app-service.js'
import type { WebhookEndpointView, WebhookService } from '../../../core/webhooks/webhook-service.js'
import { iso, isoOrNull, withErrors } from '../../schemas.js'

const Params = Type.Object({ app_id: Type.String({ minLength: 1, maxLength: 64 }) })
const EndpointParams = Type.Composite([
  Params,
  Type.Object({ webhook_id: Type.String({ minLength: 1, maxLength: 64 }) }),
])

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'Where events are POSTed: https, or http on a loopback address.',
})
const Events = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  minItems: 1,
  maxItems: 64,
  description: 'Event types (docs/events.md), `<group>.*`, or `["*"]` for every type.',
})
const Description = Type.Union([Type.String({ maxLength: 500 }), Type.Null()])

const WebhookSchema = Type.Object({
  webhook_id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  description: Description,
  failing_since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Deliveries have failed since then without a success.',
  }),
  disabled_reason: Type.Union([Type.String(), Type.Null()], {
    description: '`failing_for_5_days` when Tessera disabled it; null otherwise.',
  }),
  previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'After a rotation: until then the old secret signs beside the new one.',
  }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})
const WithSecret = Type.Composite([
  WebhookSchema,
  Type.Object({ secret: Type.String({ description: 'The signing secret (whsec_…): shown in this answer only.' }) }),
])

export function presentWebhook(endpoint: WebhookEndpointView) {
  return {
    webhook_id: endpoint.id,
    url: endpoint.url,
    events: [...endpoint.events],
    enabled: endpoint.enabled,
    description: endpoint.description,
    failing_since: isoOrNull(endpoint.failingSince),
    disabled_reason: endpoint.disabledReason,
    previous_secret_expires_at: isoOrNull(endpoint.previousSecretExpiresAt),
    created_at: iso(endpoint.createdAt),
    updated_at: iso(endpoint.updatedAt),
  }
}

/** An app's webhook endpoints (docs/events.md): create (the secret shown once), list, read, change, rotate, delete. */
export function adminWebhookRoutes(deps: { apps: AppService; webhooks: WebhookService }): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/admin/v1/apps/:app_id/webhooks',
      {
        schema: {
          tags: ['admin'],
          summary: 'Add a webhook endpoint (at most 10 per app); its signing secret is in this answer only',
          params: Params,
          body: Type.Object(
            {
              url: Url,
              events: Type.Optional(Events),
              enabled: Type.Optional(Type.Boolean({ default: true })),
              description: Type.Optional(Description),
            },
            { additionalProperties: false },
          ),
          response: withErrors({ 201: WithSecret }, 404, 409),
        },
      },
      async (request, reply) => {
        await deps.apps.getApp(request.params.app_id)
        const created = await deps.webhooks.create(request.params.app_id, request.body)
        return reply.status(201).send(Object.assign(presentWebhook(created.endpoint), { secret: created.secret }))
      },
    )

    server.get(
      '/admin/v1/apps/:app_id/webhooks',
      {
        schema: {
          tags: ['admin'],
          summary: 'List an app’s webhook endpoints (no secrets)',
          params: Params,
          response: withErrors({ 200: Type.Object({ webhooks: Type.Array(WebhookSchema) }) }, 404),
        },
      },
      async (request) => {
        await deps.apps.getApp(request.params.app_id)
        return { webhooks: (await deps.webhooks.list(request.params.app_id)).map(presentWebhook) }
      },
    )

    server.get(
      '/admin/v1/apps/:app_id/webhooks/:webhook_id',
      {
        schema: {
          tags: ['admin'],
          summary: 'One webhook endpoint (no secret)',
          params: EndpointParams,
          response: withErrors({ 200: WebhookSchema }, 404),
        },
      },
      async (request) => {
        await deps.apps.getApp(request.params.app_id)
        return presentWebhook(await deps.webhooks.get(request.params.app_id, request.params.webhook_id))
      },
    )

    server.patch(
      '/admin/v1/apps/:app_id/webhooks/:webhook_id',
      {
        schema: {
          tags: ['admin'],
          summary:
            'Change a webhook endpoint; `rotate_secret: true` also answers a new secret (the old one signs 24 h more)',
          params: EndpointParams,
          body: Type.Object(
            {
              url: Type.Optional(Url),
              events: Type.Optional(Events),
              enabled: Type.Optional(Type.Boolean()),
              description: Type.Optional(Description),
              rotate_secret: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: withErrors(
            {
              200: Type.Composite([
                WebhookSchema,
                Type.Object({
                  secret: Type.Optional(Type.String({ description: 'With rotate_secret: the new secret.' })),
                }),
              ]),
            },
            404,
          ),
        },
      },
      async (request) => {
        const { app_id: appId, webhook_id: id } = request.params
        await deps.apps.getApp(appId)
        const { rotate_secret: rotate, ...changes } = request.body
        let endpoint = await deps.webhooks.update(appId, id, changes)
        if (!rotate) return presentWebhook(endpoint)
        const rotated = await deps.webhooks.rotateSecret(appId, id)
        endpoint = rotated.endpoint
        return Object.assign(presentWebhook(endpoint), { secret: rotated.secret })
      },
    )

    server.post(
      '/admin/v1/apps/:app_id/webhooks/:webhook_id/rotate-secret',
      {
        schema: {
          tags: ['admin'],
          summary: 'A new signing secret (shown once); the old one keeps signing beside it for 24 hours',
          params: EndpointParams,
          response: withErrors({ 200: WithSecret }, 404),
        },
      },
      async (request) => {
        await deps.apps.getApp(request.params.app_id)
        const rotated = await deps.webhooks.rotateSecret(request.params.app_id, request.params.webhook_id)
        return Object.assign(presentWebhook(rotated.endpoint), { secret: rotated.secret })
      },
    )

    server.delete(
      '/admin/v1/apps/:app_id/webhooks/:webhook_id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Delete a webhook endpoint (its pending deliveries are dropped)',
          params: EndpointParams,
          response: withErrors({ 204: Type.Null() }, 404),
        },
      },
      async (request, reply) => {
        await deps.apps.getApp(request.params.app_id)
        await deps.webhooks.remove(request.params.app_id, request.params.webhook_id)
        return reply.status(204).send()
      },
    )
  }
}
