import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { ApiKeySummary, AppService } from '../../../core/app-service.js'
import { iso, isoOrNull, withErrors } from '../../schemas.js'

const Params = Type.Object({ app_id: Type.String({ minLength: 1, maxLength: 64 }) })

const KeySchema = Type.Object({
  key_id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to tell keys apart.' }),
  created_at: Type.String({ format: 'date-time' }),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})

function present(key: ApiKeySummary) {
  return {
    key_id: key.id,
    name: key.name,
    prefix: key.prefix,
    created_at: iso(key.createdAt),
    revoked_at: isoOrNull(key.revokedAt),
  }
}

export function adminKeyRoutes(service: AppService): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/admin/v1/apps/:app_id/keys',
      {
        schema: {
          tags: ['admin'],
          summary: 'Create an app key; the secret is in this answer only',
          params: Params,
          body: Type.Optional(
            Type.Object(
              { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
              { additionalProperties: false },
            ),
          ),
          response: withErrors(
            {
              201: Type.Composite([
                KeySchema,
                Type.Object({ key: Type.String({ description: 'The secret: store it now.' }) }),
              ]),
            },
            404,
          ),
        },
      },
      async (request, reply) => {
        const created = await service.createKey(request.params.app_id, { name: request.body.name })
        return reply.status(201).send(Object.assign(present(created), { key: created.key }))
      },
    )

    server.get(
      '/admin/v1/apps/:app_id/keys',
      {
        schema: {
          tags: ['admin'],
          summary: 'List an app’s keys (no secrets)',
          params: Params,
          response: withErrors({ 200: Type.Object({ keys: Type.Array(KeySchema) }) }, 404),
        },
      },
      async (request) => ({ keys: (await service.listKeys(request.params.app_id)).map(present) }),
    )

    server.delete(
      '/admin/v1/apps/:app_id/keys/:key_id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Revoke a key, at once',
          params: Type.Composite([Params, Type.Object({ key_id: Type.String({ minLength: 1, maxLength: 64 }) })]),
          response: withErrors({ 204: Type.Null() }, 404),
        },
      },
      async (request, reply) => {
        await service.revokeKey(request.params.app_id, request.params.key_id)
        return reply.status(204).send()
      },
    )
  }
}
