import { join } from 'node:path'
import cookie from '@fastify/cookie'
import formBody from '@fastify/formbody'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import { SOURCE_ROOT } from '../../source-root.js'
import { createConsoleAuth } from './console-auth.js'
import type { ConsoleDeps } from './console-deps.js'
import { activityRoutes } from './routes/activity-routes.js'
import { appsRoutes } from './routes/apps-routes.js'
import { dashboardRoutes } from './routes/dashboard-routes.js'
import { keysRoutes } from './routes/keys-routes.js'
import { sessionsRoutes } from './routes/sessions-routes.js'
import { settingsRoutes } from './routes/settings-routes.js'
import { signInRoutes } from './routes/sign-in-routes.js'
import { signingKeysRoutes } from './routes/signing-keys-routes.js'
import { templatesRoutes } from './routes/templates-routes.js'
import { webhooksRoutes } from './routes/webhooks-routes.js'
import { signedIn, underApp } from './signed-in.js'

/**
 * The operator console, registered at /console: server-rendered pages over
 * the same services as the admin API. Its assets and the sign-in form are
 * public; everything else is the signed-in scope (signed-in.ts), and an app's
 * pages the app scope under /apps/:app_id. Each area's routes take only the
 * services they use.
 */
export function consolePlugin(deps: ConsoleDeps): FastifyPluginAsync {
  const auth = createConsoleAuth({ key: deps.consoleKey, sessions: deps.sessions })
  const { apps, currentPublicUrl } = deps

  return async (scope) => {
    // Scoped to the console (these plugins are registered inside it): the API reads neither cookies nor forms.
    await scope.register(cookie)
    await scope.register(formBody)
    await scope.register(fastifyStatic, {
      root: join(SOURCE_ROOT, 'web', 'console', 'assets'),
      prefix: '/assets/',
      // One route per file present at start: nothing else under /console/assets answers.
      wildcard: false,
      decorateReply: false,
      maxAge: 3_600_000,
    })

    await scope.register(signInRoutes({ auth, apps, events: deps.events, limits: deps.limits, currentPublicUrl }))

    await scope.register(async (signedInScope) => {
      signedIn(signedInScope, { auth, apps })
      await signedInScope.register(appsRoutes({ apps }))
      await signedInScope.register(sessionsRoutes({ auth, sessions: deps.sessions, currentPublicUrl }))
      await signedInScope.register(signingKeysRoutes({ keyRing: deps.keyRing }))
      await signedInScope.register(
        async (app) => {
          underApp(app, { apps })
          await app.register(dashboardRoutes({ activity: deps.activity, clock: deps.clock }))
          await app.register(
            activityRoutes({ verifications: deps.verifications, events: deps.events, webhooks: deps.webhooks }),
          )
          await app.register(webhooksRoutes({ webhooks: deps.webhooks }))
          await app.register(keysRoutes({ apps }))
          await app.register(settingsRoutes({ apps }))
          await app.register(templatesRoutes({ apps }))
        },
        { prefix: '/apps/:app_id' },
      )
    })
  }
}
