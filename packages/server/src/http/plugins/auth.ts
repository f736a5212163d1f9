import type { FastifyReply, FastifyRequest } from 'fastify'
import type { App, AppService } from '../../core/app-service.js'
import type { EventLog } from '../../core/event-log.js'
import { rateLimitedError } from '../../core/limit-error.js'
import type { RateLimiter } from '../../core/rate-limiter.js'
import { bucket } from '../../core/send-limits.js'
import { AppError } from '../../errors/app-error.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The app whose key authenticated this request (app-key routes only). */
    tesseraApp: App | null
  }
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string') return undefined
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

/** onRequest hook for /v1: the caller must hold an active app key, within its request budget. */
export function requireAppKey(appService: AppService, limits: RateLimiter, events: EventLog) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const key = bearerOf(request)
    if (key === undefined) {
      throw new AppError('unauthorized', { message: 'Send an app key as "Authorization: Bearer <key>".' })
    }
    request.tesseraApp = await admitAppKey(appService, limits, events, key)
  }
}

/**
 * The app of an active app key, within the key's request budget (`requests_per_key`); every face that takes
 * app keys (Bearer here, Basic in the Twilio-compatible face) admits them through this.
 */
export async function admitAppKey(
  appService: AppService,
  limits: RateLimiter,
  events: EventLog,
  key: string,
): Promise<App> {
  const authenticated = await appService.authenticateAppKey(key)
  if (!authenticated) {
    if (appService.isAdminKey(key)) {
      throw new AppError('forbidden', { message: 'The admin key cannot call app endpoints; use an app key.' })
    }
    throw new AppError('unauthorized', { message: 'The app key is unknown or revoked.' })
  }
  const { app, keyId } = authenticated
  const decision = await limits.take([bucket(app.settings, 'requests_per_key', keyId)])
  if (!decision.ok) {
    await events.record({ appId: app.id, kind: 'request.limited', details: { key_id: keyId, limit: decision.name } })
    throw rateLimitedError(decision)
  }
  return app
}

/** onRequest hook for /admin/v1: the caller must hold the admin key. */
export function requireAdminKey(appService: AppService) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const key = bearerOf(request)
    if (key === undefined) {
      throw new AppError('unauthorized', { message: 'Send the admin key as "Authorization: Bearer <key>".' })
    }
    if (appService.isAdminKey(key)) return
    if (await appService.authenticateAppKey(key)) {
      throw new AppError('forbidden', { message: 'An app key cannot call operator endpoints.' })
    }
    throw new AppError('unauthorized', { message: 'The admin key is not valid.' })
  }
}

/** The authenticated app; routes behind requireAppKey always have one. */
export function appOf(request: FastifyRequest): App {
  const app = request.tesseraApp
  if (!app) throw new Error('route registered without requireAppKey')
  return app
}
