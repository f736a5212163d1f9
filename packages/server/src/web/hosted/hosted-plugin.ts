import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import cookie from '@fastify/cookie'
import formBody from '@fastify/formbody'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import type { Clock } from '../../core/clock.js'
import type { HostedSessionService } from '../../core/hosted-session-service.js'
import { SOURCE_ROOT } from '../../source-root.js'
import type { VerifierRegistry } from '../../verifiers/verifier-registry.js'
import { ceremonyRoutes } from './ceremony-routes.js'
import { hostedRoutes } from './hosted-routes.js'
import { hostedErrors, loadsSession } from './hosted-session.js'
import { createHostedViews } from './hosted-views.js'
import { magicLinkRoutes } from './magic-link-routes.js'

/** What the hosted pages need of the server. */
export interface HostedDeps {
  readonly sessions: Pick<
    HostedSessionService,
    | 'get'
    | 'verificationOf'
    | 'start'
    | 'resend'
    | 'restart'
    | 'check'
    | 'confirmLink'
    | 'isCurrentLink'
    | 'startCeremony'
    | 'checkCeremony'
    | 'startStepUpCode'
    | 'stepUpChoices'
  >
  /** The verification types: ceremony types bring their page texts. */
  readonly verifiers: VerifierRegistry
  /** HMAC key of the pages' CSRF tokens. */
  readonly pageKey: Buffer
  readonly clock: Clock
  /** The public URL as it stands now: https there makes the cookie Secure. */
  readonly publicUrl: () => string
}

/**
 * The hosted verification pages, registered at /hosted: server-rendered,
 * working without JavaScript, every form CSRF-protected, every step through
 * the hosted session service (and so through the verification core). Routes
 * under /:session_id find their session loaded; an AppError a route leaves
 * is the session's current page with the error in the page's words.
 */
export function hostedPlugin(deps: HostedDeps): FastifyPluginAsync {
  const views = createHostedViews(deps)
  const { sessions, pageKey } = deps
  // The package's own browser build (UMD, global `libphonenumber`); its exports map does not list it, so by path.
  const phoneLibDir = join(dirname(createRequire(import.meta.url).resolve('libphonenumber-js/package.json')), 'bundle')
  // @simplewebauthn/browser's own browser build (UMD, global `SimpleWebAuthnBrowser`): passkey ceremonies run on
  // Tessera's pages with no third-party script.
  // Its exports map lists only the entry (script/index.js), so the bundle is found beside it.
  const webAuthnLibDir = join(
    dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
    '..',
    'dist',
    'bundle',
  )

  return async (scope) => {
    // Scoped to the hosted pages (registered inside them): the API reads neither cookies nor forms.
    await scope.register(cookie)
    await scope.register(formBody)
    await scope.register(fastifyStatic, {
      root: join(SOURCE_ROOT, 'web', 'hosted', 'assets'),
      prefix: '/assets/',
      // One route per file present at start: nothing else under /hosted/assets answers.
      wildcard: false,
      maxAge: 3_600_000,
    })
    scope.get('/assets/libphonenumber.js', { schema: { hide: true } }, (_request, reply) =>
      reply.sendFile('libphonenumber-min.js', phoneLibDir, { maxAge: 3_600_000 }),
    )
    scope.get('/assets/webauthn.js', { schema: { hide: true } }, (_request, reply) =>
      reply.sendFile('index.umd.min.js', webAuthnLibDir, { maxAge: 3_600_000 }),
    )

    await scope.register(
      async (session) => {
        loadsSession(session, { sessions, views })
        session.setErrorHandler(
          hostedErrors(async (reply, error, loaded, request) => {
            // The page for the session as it is now (a failed step may have changed it), with the reason.
            const current = await sessions.get(loaded.id).catch(() => loaded)
            const ctx = views.contextFor(request, reply, current)
            const channel = current.channel ?? views.pickChannel(current, undefined)
            return views.currentPage(request, reply, current, {
              alert: views.alertFor(ctx, error, channel),
              status: error.status,
            })
          }),
        )
        await session.register(hostedRoutes({ sessions, pageKey, views }))
        await session.register(magicLinkRoutes({ sessions, pageKey, views }))
        await session.register(ceremonyRoutes({ sessions, pageKey, views }))
      },
      { prefix: '/:session_id' },
    )
  }
}
