import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { HostedSessionService } from '../../core/hosted-session-service.js'
import type { AppError } from '../../errors/app-error.js'
import { formField } from '../page-security.js'
import { checksForms, hostedErrors, sessionOf } from './hosted-session.js'
import type { HostedViews } from './hosted-views.js'

/**
 * A ceremony's steps on the hosted pages (a passkey's), for hosted-ceremony.js: the options the browser needs,
 * then the credential it made — JSON both ways, CSRF-checked like every form — and enrolment's step-up by a
 * code to one of the user's phones or inboxes. Nothing here names a type: the session's ceremony decides.
 */
export function ceremonyRoutes(deps: {
  sessions: Pick<HostedSessionService, 'startCeremony' | 'checkCeremony' | 'startStepUpCode'>
  pageKey: Buffer
  views: HostedViews
}): FastifyPluginAsync {
  const { sessions, views } = deps
  /** An error as the page's script shows it: the page's words, the status the API would give. */
  const jsonError = hostedErrors((reply: FastifyReply, error: AppError, session, request) => {
    const ctx = views.contextFor(request, reply, session)
    const channel = session.channels[0] ?? views.pickChannel(session, undefined)
    const alert = views.alertFor(ctx, error, channel)
    // A refused credential: the page says it in the ceremony type's words (its own text, in the script).
    const text = error.code === 'credential_rejected' ? '' : (alert?.text ?? '')
    return reply.status(error.status).send({ error: error.code, error_description: text })
  })

  return async (scope) => {
    checksForms(scope, { pageKey: deps.pageKey, views })

    scope.post('/ceremony/options', { schema: { hide: true }, errorHandler: jsonError }, async (request, reply) => {
      const started = await sessions.startCeremony(sessionOf(request), { clientIp: request.ip })
      return reply.header('cache-control', 'no-store').send({ kind: started.kind, options: started.options })
    })

    scope.post('/ceremony/verify', { schema: { hide: true }, errorHandler: jsonError }, async (request, reply) => {
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
        string,
        unknown
      >
      const done = await sessions.checkCeremony(sessionOf(request), { credential: body.credential })
      return reply.header('cache-control', 'no-store').send({ redirect_to: done.redirectTo })
    })

    scope.post('/step-up', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request)
      await sessions.startStepUpCode(session, (formField(request.body, 'factor_id') ?? '').slice(0, 64), request.ip)
      return reply.status(303).header('location', `/hosted/${session.id}`).send()
    })
  }
}
