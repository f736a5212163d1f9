import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { AppService } from '../../../core/app-service.js'
import type { FactorService } from '../../../core/factor-service.js'
import { withErrors } from '../../schemas.js'
import { presentFactor, UserId } from '../factors.js'

const Params = Type.Object({ app_id: Type.String({ minLength: 1, maxLength: 64 }), user_id: UserId })

/** The support desk: see a user's factors and remove one (recorded as an event). */
export function adminUserRoutes(deps: { apps: AppService; factors: FactorService }): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.get(
      '/admin/v1/apps/:app_id/users/:user_id/factors',
      {
        schema: {
          tags: ['admin'],
          summary: 'List a user’s factors',
          params: Params,
          response: withErrors({ 200: Type.Object({ factors: Type.Array(Type.Ref('Factor')) }) }, 404),
        },
      },
      async (request) => {
        const app = await deps.apps.getApp(request.params.app_id)
        return { factors: (await deps.factors.list(app, request.params.user_id)).map(presentFactor) }
      },
    )

    server.delete(
      '/admin/v1/apps/:app_id/users/:user_id/factors/:factor_id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Remove a user’s factor (no step-up needed: the operator vouches)',
          params: Type.Composite([Params, Type.Object({ factor_id: Type.String({ minLength: 1, maxLength: 64 }) })]),
          response: withErrors({ 204: Type.Null() }, 404),
        },
      },
      async (request, reply) => {
        const app = await deps.apps.getApp(request.params.app_id)
        await deps.factors.remove(app, request.params.user_id, request.params.factor_id, { kind: 'admin' })
        return reply.status(204).send()
      },
    )
  }
}
