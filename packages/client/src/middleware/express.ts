import { guardRequest, type RequireVerificationOptions, type VerifiedToken } from './verification-guard.js'

/** The parts of Express's request and response the middleware uses (no dependency on express itself). */
export interface ExpressLikeRequest {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>
  verification?: VerifiedToken
}
export interface ExpressLikeResponse {
  status(code: number): { json(body: unknown): unknown }
}

/** What `getToken` and `userId` receive: Express's request (`params`, `body`, `cookies`, … as your app has them). */
// biome-ignore lint/suspicious/noExplicitAny: Express's own request type, which this package does not depend on.
export type ExpressRequest = ExpressLikeRequest & { readonly [property: string]: any }

declare global {
  // Express merges its Request with this namespace's (as passport and others do), so `req.verification` is typed.
  namespace Express {
    interface Request {
      /** Set by requireVerification from @tessera/client/express. */
      verification?: VerifiedToken
    }
  }
}

/**
 * Express middleware: the route runs only with a valid verification token for `scene` (checked offline, or
 * consumed online with `consume: true`), and finds it on `req.verification`; else 401/403 in Tessera's shape.
 *
 *   app.post('/account/delete', requireVerification({ tessera, scene: 'step-up', consume: true }), handler)
 */
export function requireVerification(
  options: RequireVerificationOptions<ExpressRequest>,
): (request: ExpressLikeRequest, response: ExpressLikeResponse, next: (error?: unknown) => void) => void {
  return (request, response, next) => {
    guardRequest(request as ExpressRequest, headerOf, options).then((outcome) => {
      if (!outcome.ok) {
        response.status(outcome.refusal.status).json(outcome.refusal.body)
        return
      }
      request.verification = outcome.verified
      next()
    }, next)
  }
}

function headerOf(request: ExpressLikeRequest, name: string): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' ? value : undefined
}

export type { RequireVerificationOptions, VerifiedToken }
