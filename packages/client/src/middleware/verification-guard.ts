import { InvalidTokenError, TesseraError } from '../errors.js'
import type { Tessera } from '../tessera.js'
import type { VerificationClaims } from '../verify-token.js'

/** What a protected route learns about the verification behind the request's token. */
export interface VerifiedToken {
  readonly verification_id: string
  readonly scene: string
  /** The verification type that was proven: sms, email, totp, password, backup-code. */
  readonly channel: string
  readonly amr: readonly string[]
  readonly user_id: string | null
  /** The verified identifier (phone or email), when the type has one. */
  readonly to: string | null
  readonly factor_id: string | null
  readonly issued_at: string
  readonly expires_at: string
  /** True when this request used the token up online (`consume: true`): no other request can. */
  readonly consumed: boolean
  /** The signed claims, when the token was checked offline. */
  readonly claims?: VerificationClaims
}

/** Options shared by the Express, Fastify and Web-standard middleware. */
export interface RequireVerificationOptions<Req> {
  /** The client: its JWKS and app id for offline checks, its key for online consumes. */
  readonly tessera: Tessera
  /** The scene (or scenes) the route accepts. */
  readonly scene: string | readonly string[]
  /**
   * true: consume the token online (single use: a replayed token is refused, across every instance of your app).
   * false (default): check it offline against the JWKS, which cannot see a consumed token.
   */
  readonly consume?: boolean
  /** Your app id, for offline checks; default the client's `appId`. */
  readonly audience?: string
  /** Where the token is; default the `X-Verification-Token` header. */
  readonly getToken?: (request: Req) => string | undefined | null | Promise<string | undefined | null>
  /** When given, the token must be about this user (e.g. the signed-in one); else 403. */
  readonly userId?: (request: Req) => string | undefined | null | Promise<string | undefined | null>
}

/** A refusal in Tessera's error shape. */
export interface Refusal {
  readonly status: number
  readonly body: { error: string; error_code: number; error_description: string }
}

export type GuardOutcome =
  | { readonly ok: true; readonly verified: VerifiedToken }
  | { readonly ok: false; readonly refusal: Refusal }

export const TOKEN_HEADER = 'x-verification-token'

const unauthorized = (description: string): Refusal => ({
  status: 401,
  body: { error: 'unauthorized', error_code: 4010, error_description: description },
})
const forbidden = (description: string): Refusal => ({
  status: 403,
  body: { error: 'forbidden', error_code: 4030, error_description: description },
})

/** The one check behind every framework's middleware. */
export async function guardRequest<Req>(
  request: Req,
  headerOf: (request: Req, name: string) => string | undefined,
  options: RequireVerificationOptions<Req>,
): Promise<GuardOutcome> {
  const token = options.getToken ? await options.getToken(request) : headerOf(request, TOKEN_HEADER)
  if (!token) return { ok: false, refusal: unauthorized('A verification token is required (X-Verification-Token).') }
  const scenes: readonly string[] = typeof options.scene === 'string' ? [options.scene] : options.scene
  const expectedUser = options.userId ? ((await options.userId(request)) ?? undefined) : undefined

  let verified: VerifiedToken
  if (options.consume) {
    let answer: Awaited<ReturnType<Tessera['tokens']['consume']>>
    try {
      // One scene can be checked by Tessera itself; several are checked here, after the consume.
      answer = await options.tessera.tokens.consume({
        verification_token: token,
        ...(scenes.length === 1 ? { scene: scenes[0] as string } : {}),
      })
    } catch (error) {
      if (error instanceof TesseraError && error.status > 0 && error.status < 500) {
        return { ok: false, refusal: unauthorized('The verification token could not be checked.') }
      }
      return {
        ok: false,
        refusal: {
          status: 503,
          body: {
            error: 'service_unavailable',
            error_code: 5003,
            error_description: 'Verification is unavailable; retry later.',
          },
        },
      }
    }
    if (!answer.active) {
      if (answer.reason === 'scene_mismatch')
        return { ok: false, refusal: forbidden('The verification token is for another scene.') }
      return {
        ok: false,
        refusal: unauthorized(
          `The verification token is ${answer.reason === 'invalid' ? 'not valid' : answer.reason}.`,
        ),
      }
    }
    verified = {
      verification_id: answer.verification_id,
      scene: answer.scene,
      channel: answer.channel,
      amr: answer.amr,
      user_id: answer.user_id,
      to: answer.to,
      factor_id: answer.factor_id,
      issued_at: answer.issued_at,
      expires_at: answer.expires_at,
      consumed: true,
    }
  } else {
    let claims: VerificationClaims
    try {
      claims = await options.tessera.verifyToken(token, {
        scene: scenes,
        ...(options.audience === undefined ? {} : { audience: options.audience }),
      })
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        if (error.reason === 'scene_mismatch')
          return { ok: false, refusal: forbidden('The verification token is for another scene.') }
        return { ok: false, refusal: unauthorized(`The verification token is not valid (${error.reason}).`) }
      }
      throw error
    }
    verified = {
      verification_id: claims.vid,
      scene: claims.scene,
      channel: claims.channel,
      amr: claims.amr ?? [claims.channel],
      user_id: claims.sub ?? null,
      to: claims.to ?? null,
      factor_id: claims.factor_id ?? null,
      issued_at: new Date(claims.iat * 1000).toISOString(),
      expires_at: new Date(claims.exp * 1000).toISOString(),
      consumed: false,
      claims,
    }
  }
  if (!scenes.includes(verified.scene))
    return { ok: false, refusal: forbidden('The verification token is for another scene.') }
  if (expectedUser !== undefined && verified.user_id !== expectedUser) {
    return { ok: false, refusal: forbidden('The verification token is about another user.') }
  }
  return { ok: true, verified }
}
