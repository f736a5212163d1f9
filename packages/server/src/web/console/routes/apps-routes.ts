import type { FastifyPluginAsync } from 'fastify'
import type { AppService } from '../../../core/app-service.js'
import { formField } from '../../page-security.js'
import { appsPage } from '../pages/apps-pages.js'
import { page, pageOf, see } from '../signed-in.js'

/** The console's home (the first app, or the list) and the list of apps, where new ones are created. */
export function appsRoutes(deps: { apps: Pick<AppService, 'createApp'> }): FastifyPluginAsync {
  return async (scope) => {
    // Exactly /console: no second route at /console/.
    scope.get('/', { schema: { hide: true }, prefixTrailingSlash: 'no-slash' }, async (request, reply) => {
      const { apps } = pageOf(request)
      return see(reply, apps[0] ? `/console/apps/${apps[0].id}` : '/console/apps')
    })

    scope.get('/apps', { schema: { hide: true } }, async (request, reply) => {
      const ctx = pageOf(request)
      return page(reply, ctx, appsPage(ctx))
    })

    // An invalid name is the signed-in scope's error page: this list with the message.
    scope.post('/apps', { schema: { hide: true } }, async (request, reply) => {
      const app = await deps.apps.createApp({ name: formField(request.body, 'name') ?? '' })
      return see(reply, `/console/apps/${app.id}/keys?created=1`)
    })
  }
}
