import formBody from '@fastify/formbody'
import type { FastifyError, FastifyInstance } from 'fastify'
import type { AppService } from '../../core/app-service.js'
import type { Clock } from '../../core/clock.js'
import type { EventLog } from '../../core/event-log.js'
import type { RateLimiter } from '../../core/rate-limiter.js'
import type { VerificationService } from '../../core/verification-service.js'
import { createVerifyServices } from '../../core/verify-services/verify-services.js'
import { AppError } from '../../errors/app-error.js'
import { isDependencyFailure } from '../../errors/dependency-failure.js'
import type { Store } from '../../storage/store.js'
import { serviceRoutes } from './service-routes.js'
import { requireTwilioAccount } from './twilio-auth.js'
import { toTwilioError } from './twilio-errors.js'
import { verificationRoutes } from './verification-routes.js'

export interface TwilioCompatDeps {
  readonly store: Store
  readonly clock: Clock
  readonly apps: AppService
  readonly verifications: VerificationService
  readonly limits: RateLimiter
  readonly events: EventLog
  /** This server's public URL now (the `url` fields and paging links name it). */
  readonly currentPublicUrl: () => string
}

/**
 * The Twilio Verify v2-compatible face (docs/twilio-compat.md): `/v2/Services…` as Twilio's API reference
 * has them, so Twilio's helper libraries work against Tessera once pointed at its URL. A second face on
 * the same core — its verifications are the verification service's, with the same limits, providers,
 * events and tokens. This scope takes form posts, authenticates with HTTP Basic (account_sid + app key)
 * and answers every error in Twilio's shape.
 */
export function twilioCompatPlugin(deps: TwilioCompatDeps) {
  return async (scope: FastifyInstance): Promise<void> => {
    const services = createVerifyServices({ store: deps.store, clock: deps.clock, verifications: deps.verifications })
    const base = () => deps.currentPublicUrl().replace(/\/+$/, '')

    // Twilio's clients post application/x-www-form-urlencoded: one string per name (the last, if repeated).
    await scope.register(formBody, { parser: (body) => Object.fromEntries(new URLSearchParams(body)) })

    scope.setErrorHandler((error: FastifyError | AppError, request, reply) => {
      const appError = toAppError(error)
      if (appError.code === 'internal_error') request.log.error({ err: error }, 'unhandled error')
      const body = toTwilioError(appError)
      const retryAfter = appError.details?.retry_after
      if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter))
      if (appError.headers) void reply.headers(appError.headers)
      if (body.code === 20003) void reply.header('www-authenticate', 'Basic realm="Twilio API"')
      return reply.status(body.status).send(body)
    })
    scope.setNotFoundHandler((request, reply) => {
      const body = toTwilioError(
        new AppError('not_found', {
          message: `The requested resource ${request.url.split('?')[0] ?? ''} was not found`,
        }),
      )
      return reply.status(body.status).send(body)
    })

    scope.addHook('onRequest', requireTwilioAccount(deps.apps, deps.limits, deps.events))
    scope.addHook('onRoute', (route) => {
      // built once, not per request: a spread here costs nothing (docs/decisions.md)
      route.schema = { ...route.schema, security: [{ twilioBasic: [] }] }
    })
    await scope.register(serviceRoutes(services, base))
    await scope.register(verificationRoutes(services, base))
  }
}

/** Whether a request URL is the Twilio face's (registered under this prefix in create-server.ts). */
export function isTwilioPath(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?')
}

/** Fastify's own errors (validation, media type, body size) as the AppErrors the table maps. */
function toAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error
  if (error.validation) {
    const first = error.validation[0]
    const field = first?.instancePath.split('/').filter(Boolean).join('.') || error.validationContext || 'body'
    return new AppError('invalid_request', { message: `Invalid parameter \`${field}\`: ${first?.message ?? ''}.` })
  }
  // A database that does not answer is an outage (503), as on /v1; readiness reports it.
  if (isDependencyFailure(error)) return new AppError('service_unavailable')
  if (error.statusCode === 415) return new AppError('unsupported_media_type')
  if (error.statusCode === 413) return new AppError('payload_too_large')
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('invalid_request')
  }
  return new AppError('internal_error', { cause: error })
}
