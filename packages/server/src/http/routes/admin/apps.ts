import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { App, AppService } from '../../../core/app-service.js'
import { iso, withErrors } from '../../schemas.js'

const AppId = Type.String({ minLength: 1, maxLength: 64 })
const SettingsInput = Type.Object({}, { additionalProperties: true, description: 'A (partial) AppSettings object.' })

const AppSchema = Type.Object(
  {
    app_id: Type.String(),
    name: Type.String(),
    settings: Type.Object({}, { additionalProperties: true }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'App' },
)

export { AppSchema }

function present(app: App) {
  return {
    app_id: app.id,
    name: app.name,
    settings: app.settings,
    created_at: iso(app.createdAt),
    updated_at: iso(app.updatedAt),
  }
}

export function adminAppRoutes(service: AppService): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/admin/v1/apps',
      {
        schema: {
          tags: ['admin'],
          summary: 'Create an app',
          body: Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 100 }), settings: Type.Optional(SettingsInput) },
            { additionalProperties: false },
          ),
          response: withErrors({ 201: Type.Ref('App') }),
        },
      },
      async (request, reply) => {
        const app = await service.createApp({ name: request.body.name, settings: request.body.settings })
        return reply.status(201).send(present(app))
      },
    )

    server.get(
      '/admin/v1/apps',
      {
        schema: {
          tags: ['admin'],
          summary: 'List apps',
          querystring: Type.Object(
            {
              limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
              after: Type.Optional(Type.String({ maxLength: 64, description: 'Continue after this app_id.' })),
            },
            { additionalProperties: false },
          ),
          response: withErrors({
            200: Type.Object({
              apps: Type.Array(Type.Ref('App')),
              next_after: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
        },
      },
      async (request) => {
        const apps = await service.listApps({ limit: request.query.limit, after: request.query.after })
        const last = apps.at(-1)
        return { apps: apps.map(present), next_after: apps.length === request.query.limit && last ? last.id : null }
      },
    )

    server.get(
      '/admin/v1/apps/:app_id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Read an app',
          params: Type.Object({ app_id: AppId }),
          response: withErrors({ 200: Type.Ref('App') }, 404),
        },
      },
      async (request) => present(await service.getApp(request.params.app_id)),
    )

    server.patch(
      '/admin/v1/apps/:app_id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Rename an app or change settings (deep-merged, validated)',
          params: Type.Object({ app_id: AppId }),
          body: Type.Object(
            {
              name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
              settings: Type.Optional(SettingsInput),
            },
            { additionalProperties: false },
          ),
          response: withErrors({ 200: Type.Ref('App') }, 404),
        },
      },
      async (request) =>
        present(
          await service.updateApp(request.params.app_id, { name: request.body.name, settings: request.body.settings }),
        ),
    )
  }
}
