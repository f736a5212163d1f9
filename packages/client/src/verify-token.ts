import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  customFetch as jwksFetch,
  jwtVerify,
} from 'jose'
import { InvalidTokenError, type InvalidTokenReason } from './errors.js'

/** The claims of a Tessera verification token, as the server signs them. */
export interface VerificationClaims extends JWTPayload {
  /** Tessera's public URL. */
  readonly iss: string
  /** The app id the token was issued to. */
  readonly aud: string
  /** The user id, when the verification named one. */
  readonly sub?: string
  /** Why the verification happened: the token is good for this scene only. */
  readonly scene: string
  /** The verification id. */
  readonly vid: string
  /** The token id (single use is tracked by it, online). */
  readonly jti: string
  /** The verification type that was proven: sms, email, totp, password, backup-code. */
  readonly channel: string
  /** What was proven (OIDC amr style). */
  readonly amr: readonly string[]
  /** The factor the token proves, if any. */
  readonly factor_id?: string
  /** The verified identifier (E.164 phone number or email), for types that have one. */
  readonly to?: string
  readonly iat: number
  readonly exp: number
}

export interface VerifyTokenOptions {
  /** Tessera's JWKS, e.g. `https://verify.example.com/.well-known/jwks.json`. */
  readonly jwksUrl: string | URL
  /** Tessera's public URL exactly as it signs it (`iss`). */
  readonly issuer: string
  /** Your app id (`aud`): a token issued to another app on the same Tessera is refused. */
  readonly audience: string | readonly string[]
  /** The scene (or scenes) you accept. Leave it out only where any scene will do. */
  readonly scene?: string | readonly string[]
  /** When given, the token must be about this user (`sub`). */
  readonly userId?: string
  /** Seconds of clock difference tolerated on `exp` and `iat`. Default 5. */
  readonly clockToleranceSeconds?: number
  /** The time to check against (tests). Default: now. */
  readonly currentDate?: Date
  /** The fetch used for the JWKS. Default: the runtime's global fetch. */
  readonly fetch?: typeof fetch
}

/** Tessera signs with Ed25519 only; nothing else is accepted (no `none`, no HMAC confusion). */
const ALGORITHMS = ['EdDSA', 'Ed25519']

/**
 * One key set per JWKS URL (and per custom fetch), shared by every check: jose caches the keys and refetches
 * the set when a token names a `kid` it does not hold (a rotation).
 */
const keySets = new Map<string, JWTVerifyGetKey>()
const keySetsByFetch = new WeakMap<typeof fetch, Map<string, JWTVerifyGetKey>>()

function keySetFor(url: string, customFetch: typeof fetch | undefined): JWTVerifyGetKey {
  let cache = keySets
  if (customFetch) {
    cache = keySetsByFetch.get(customFetch) ?? new Map()
    keySetsByFetch.set(customFetch, cache)
  }
  const cached = cache.get(url)
  if (cached) return cached
  const keySet = createRemoteJWKSet(new URL(url), {
    // A token signed by a key we have not seen refetches the set, at most once a second.
    cooldownDuration: 1_000,
    // Keys are re-read every 5 minutes anyway (the JWKS answer's own max-age), so a revoked key stops being trusted.
    cacheMaxAge: 5 * 60 * 1000,
    // jose's documented hook for a custom fetch of the JWKS.
    ...(customFetch ? { [jwksFetch]: customFetch } : {}),
  })
  cache.set(url, keySet)
  return keySet
}

/**
 * Checks a verification token offline: its Ed25519 signature against Tessera's JWKS, the issuer, the audience
 * (your app id), expiry with a small clock tolerance, and the scene. Answers its claims, or throws
 * `InvalidTokenError` with the reason. An offline check cannot see that a token was already consumed: where
 * single use matters, consume it online (`tessera.tokens.consume`).
 */
export async function verifyToken(token: string, options: VerifyTokenOptions): Promise<VerificationClaims> {
  if (typeof token !== 'string' || token === '') throw new InvalidTokenError('malformed', 'No verification token.')
  let payload: JWTPayload
  try {
    const verified = await jwtVerify(token, keySetFor(String(options.jwksUrl), options.fetch), {
      algorithms: ALGORITHMS,
      issuer: options.issuer,
      audience: typeof options.audience === 'string' ? options.audience : [...options.audience],
      clockTolerance: options.clockToleranceSeconds ?? 5,
      requiredClaims: ['exp', 'iat', 'jti', 'aud', 'iss'],
      ...(options.currentDate ? { currentDate: options.currentDate } : {}),
      ...(options.userId === undefined ? {} : { subject: options.userId }),
    })
    payload = verified.payload
  } catch (error) {
    throw invalidToken(error)
  }
  if (typeof payload.scene !== 'string' || typeof payload.vid !== 'string' || typeof payload.channel !== 'string') {
    throw new InvalidTokenError('malformed', 'The token is not a Tessera verification token.')
  }
  const scenes =
    options.scene === undefined ? undefined : typeof options.scene === 'string' ? [options.scene] : options.scene
  if (scenes !== undefined && !scenes.includes(payload.scene)) {
    throw new InvalidTokenError(
      'scene_mismatch',
      `The token is for scene "${payload.scene}", not ${scenes.map((s) => `"${s}"`).join(' or ')}.`,
    )
  }
  return payload as VerificationClaims
}

function invalidToken(error: unknown): InvalidTokenError {
  const make = (reason: InvalidTokenReason, description: string) => new InvalidTokenError(reason, description, error)
  if (error instanceof joseErrors.JWTExpired) return make('expired', 'The token has expired.')
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return make('issuer', 'The token was issued by another Tessera.')
    if (error.claim === 'aud') return make('audience', 'The token was issued to another app.')
    if (error.claim === 'sub') return make('subject', 'The token is about another user.')
    return make('malformed', `The token's ${error.claim} claim is not valid.`)
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return make('algorithm', 'The token is not signed with EdDSA.')
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return make('signature', 'The token signature is not valid.')
  if (error instanceof joseErrors.JWKSNoMatchingKey) return make('unknown_key', 'No key in the JWKS signed this token.')
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return make('jwks_unavailable', 'The JWKS could not be read.')
  }
  if (error instanceof joseErrors.JOSEError) return make('malformed', 'The token is not a valid JWT.')
  // A fetch of the JWKS that failed (network): not the token's fault, but it cannot be accepted either.
  return make('jwks_unavailable', 'The JWKS could not be read.')
}
