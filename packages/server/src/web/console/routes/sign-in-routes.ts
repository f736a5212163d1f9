import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { AppService } from '../../../core/app-service.js'
import type { EventLog } from '../../../core/event-log.js'
import { rateLimitedError } from '../../../core/limit-error.js'
import type { RateLimiter } from '../../../core/rate-limiter.js'
import { formField, isSecureRequest, newNonce } from '../../page-security.js'
import type { createConsoleAuth } from '../console-auth.js'
import { signInPage } from '../pages/sign-in-page.js'
import { page, see } from '../signed-in.js'

/**
 * The sign-in page and form: the form itself carries a CSRF token bound to a
 * pre-session cookie (login CSRF); failed sign-ins are budgeted per client
 * address before the key is compared.
 */
export function signInRoutes(deps: {
  auth: ReturnType<typeof createConsoleAuth>
  apps: Pick<AppService, 'isAdminKey'>
  events: Pick<EventLog, 'record'>
  limits: Pick<RateLimiter, 'take' | 'refund'>
  currentPublicUrl: () => string
}): FastifyPluginAsync {
  const { auth } = deps
  return async (scope) => {
    const secure = (request: FastifyRequest) => isSecureRequest(request, deps.currentPublicUrl())

    scope.get('/sign-in', { schema: { hide: true } }, async (request, reply) => {
      const pre = auth.preSession(request, secure(request), reply)
      const ctx = { nonce: newNonce(), csrf: auth.csrfFor(pre) }
      return page(reply, ctx, signInPage(ctx))
    })

    scope.post('/sign-in', { schema: { hide: true } }, async (request, reply) => {
      const key = formField(request.body, 'admin_key') ?? ''
      const refused = (error: string, status: number, retryAfterSeconds?: number) => {
        const pre = auth.preSession(request, secure(request), reply)
        const ctx = { nonce: newNonce(), csrf: auth.csrfFor(pre) }
        return page(reply, ctx, signInPage(ctx, error, retryAfterSeconds), status)
      }
      if (!auth.isValidCsrf(auth.preSessionOf(request), formField(request.body, 'csrf'))) {
        return refused('The form expired; sign in again.', 403)
      }
      // The failure budget is claimed before the key is compared, so parallel guesses cannot outrun it (on
      // every instance, when limits live in Redis); a right key gives its point back.
      const budget = auth.signInBucket(request.ip)
      const decision = await deps.limits.take([budget])
      if (!decision.ok) {
        const error = rateLimitedError(decision)
        void reply.header('retry-after', String(decision.retryAfterSeconds)).headers(error.headers ?? {})
        if (wantsJson(request)) {
          return reply.status(error.status).header('cache-control', 'no-store').send(error.toBody())
        }
        return refused(throttledMessage(decision.retryAfterSeconds), 429, decision.retryAfterSeconds)
      }
      if (!deps.apps.isAdminKey(key)) {
        await deps.events.record({ appId: null, kind: 'console.sign_in_failed', clientIp: request.ip })
        return refused('That is not the admin key.', 401)
      }
      await deps.limits.refund([budget])
      await auth.startSession(reply, secure(request), { ip: request.ip, userAgent: request.headers['user-agent'] })
      return see(reply, '/console')
    })
  }
}

/** A script or fetch asking for JSON gets the contract's error body; a browser gets the page. */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? ''
  return accept.includes('application/json') && !accept.includes('text/html')
}

function throttledMessage(retryAfterSeconds: number): string {
  const minutes = Math.ceil(retryAfterSeconds / 60)
  return `Too many failed sign-ins from your address. Try again in ${
    retryAfterSeconds < 120 ? `${retryAfterSeconds} seconds` : `${minutes} minutes`
  }.`
}
