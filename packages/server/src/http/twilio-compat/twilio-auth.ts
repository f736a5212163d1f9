import type { FastifyReply, FastifyRequest } from 'fastify'
import { accountSidOf } from '../../core/account-sid.js'
import type { AppService } from '../../core/app-service.js'
import type { EventLog } from '../../core/event-log.js'
import type { RateLimiter } from '../../core/rate-limiter.js'
import { AppError } from '../../errors/app-error.js'
import { admitAppKey } from '../plugins/auth.js'

/** `Basic base64(user:password)`, as Twilio's helper libraries send it; undefined when absent or malformed. */
function basicCredentials(request: FastifyRequest): { user: string; password: string } | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string') return undefined
  const match = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  if (!match?.[1]) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/**
 * onRequest hook of the Twilio face: HTTP Basic with the app's `account_sid` as the user name and one of its
 * app keys as the password (Twilio's Account SID and Auth Token). The key alone says which app it is; the
 * user name must then be that app's account sid, so a key is never used under another account's name.
 * Everything else answers 401 (Twilio's 20003); the key's request budget applies as on /v1.
 */
export function requireTwilioAccount(appService: AppService, limits: RateLimiter, events: EventLog) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const credentials = basicCredentials(request)
    if (!credentials || !/^AC[0-9a-f]{32}$/.test(credentials.user)) {
      throw new AppError('unauthorized', {
        message: 'Send the account_sid and an app key as HTTP Basic credentials.',
      })
    }
    const app = await admitAppKey(appService, limits, events, credentials.password).catch((error: unknown) => {
      // The admin key is not an account's credential either: the same 401 as any wrong password.
      if (error instanceof AppError && error.code === 'forbidden') throw new AppError('unauthorized')
      throw error
    })
    if (accountSidOf(app.id) !== credentials.user) {
      throw new AppError('unauthorized', { message: 'The key does not belong to this account_sid.' })
    }
    request.tesseraApp = app
  }
}
