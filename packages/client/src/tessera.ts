import type {
  ActivatedFactor,
  ActivateFactorParams,
  BindFactorParams,
  BoundFactor,
  ChallengeParams,
  CheckVerificationParams,
  CheckVerificationResult,
  CreateSessionParams,
  ExchangedSession,
  ExchangeSessionParams,
  Factor,
  FactorList,
  IntrospectTokenParams,
  ResendVerificationParams,
  Session,
  StartVerificationParams,
  TokenIntrospection,
  Verification,
} from './api-types.js'
import {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type RequestOptions,
  segment,
} from './http-client.js'
import { type VerificationClaims, verifyToken } from './verify-token.js'

export interface TesseraOptions extends HttpClientOptions {
  /** An app key (`tsk_…`), sent as `Authorization: Bearer`. Keep it on your server. */
  readonly apiKey: string
  /** Your app id: the audience `verifyToken` expects when a call names none. */
  readonly appId?: string
  /** The issuer tokens carry (Tessera's TESSERA_PUBLIC_URL). Default: `baseUrl`. */
  readonly issuer?: string
  /** Where the signing keys are. Default: `${baseUrl}/.well-known/jwks.json`. */
  readonly jwksUrl?: string
}

/** Options of `tessera.verifyToken`; issuer and JWKS come from the client. */
export interface TokenCheckOptions {
  /** The scene (or scenes) you accept. */
  readonly scene?: string | readonly string[]
  /** Your app id; default the client's `appId`. */
  readonly audience?: string | readonly string[]
  /** When given, the token must be about this user. */
  readonly userId?: string
  readonly clockToleranceSeconds?: number
  readonly currentDate?: Date
}

/** A factor call that may need a step-up token of the user (`X-Verification-Token`). */
export interface StepUpOptions extends RequestOptions {
  readonly stepUpToken?: string
}

/** One user's factors and challenges: `tessera.users('u_42')`. */
export interface UserResource {
  readonly factors: {
    list(options?: RequestOptions): Promise<Factor[]>
    bind(params: BindFactorParams, options?: StepUpOptions): Promise<BoundFactor>
    /** `params` may be the code itself. */
    activate(
      factorId: string,
      params: ActivateFactorParams | string,
      options?: RequestOptions,
    ): Promise<ActivatedFactor>
    remove(factorId: string, options?: StepUpOptions): Promise<void>
  }
  challenge(params: ChallengeParams, options?: RequestOptions): Promise<Verification>
}

/**
 * Tessera's app API (`/v1`), with the API's own field names:
 *
 *   const tessera = new Tessera({ baseUrl: 'https://verify.example.com', apiKey: process.env.TESSERA_KEY })
 *   const { verification_id } = await tessera.verifications.start({ channel: 'sms', to: '+14155550101' })
 *   const { verification_token } = await tessera.verifications.check({ verification_id, verification_code })
 */
export class Tessera {
  readonly verifications: {
    /** Sends a code. Carries an Idempotency-Key, so a retry never sends a second one. */
    start(params: StartVerificationParams, options?: RequestOptions): Promise<Verification>
    /** A new code for the same verification (the old one stops working). Idempotent like start. */
    resend(verificationId: string, params?: ResendVerificationParams, options?: RequestOptions): Promise<Verification>
    /** Checks a code; answers the verification token. A wrong code throws `InvalidCodeError`. */
    check(params: CheckVerificationParams, options?: RequestOptions): Promise<CheckVerificationResult>
    get(verificationId: string, options?: RequestOptions): Promise<Verification>
    cancel(verificationId: string, options?: RequestOptions): Promise<Verification>
  }
  readonly tokens: {
    /** Asks Tessera about a token: `{ active: true, … }` or `{ active: false, reason }`. */
    introspect(params: IntrospectTokenParams | string, options?: RequestOptions): Promise<TokenIntrospection>
    /** Uses a token up (single use): the first consume is active, every later one `{ active: false, reason: 'consumed' }`. */
    consume(
      params: Omit<IntrospectTokenParams, 'consume'> | string,
      options?: RequestOptions,
    ): Promise<TokenIntrospection>
  }
  readonly sessions: {
    /** A hosted verification page for one person; send them to `url`. Idempotent like start. */
    create(params: CreateSessionParams, options?: RequestOptions): Promise<Session>
    /** Trades the `code` a `response_mode: "code"` redirect carried for the verification token (once). */
    exchange(
      sessionId: string,
      params: ExchangeSessionParams | string,
      options?: RequestOptions,
    ): Promise<ExchangedSession>
  }

  readonly #http: HttpClient
  readonly #issuer: string
  readonly #jwksUrl: string
  readonly #appId: string | undefined
  readonly #fetch: typeof fetch | undefined

  constructor(options: TesseraOptions) {
    if (!options?.baseUrl) throw new TypeError('new Tessera({ baseUrl, apiKey }): baseUrl is required')
    if (!options.apiKey) throw new TypeError('new Tessera({ baseUrl, apiKey }): apiKey is required')
    const http = createHttpClient(options, options.apiKey)
    const baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#http = http
    this.#issuer = options.issuer ?? baseUrl
    this.#jwksUrl = options.jwksUrl ?? `${baseUrl}/.well-known/jwks.json`
    this.#appId = options.appId
    this.#fetch = options.fetch

    this.verifications = {
      start: (params, call) =>
        http.request({ method: 'POST', path: '/v1/verifications', body: params, idempotent: true }, call),
      resend: (id, params = {}, call) =>
        http.request(
          { method: 'POST', path: `/v1/verifications/${segment(id)}/resend`, body: params, idempotent: true },
          call,
        ),
      check: (params, call) => http.request({ method: 'POST', path: '/v1/verifications/verify', body: params }, call),
      get: (id, call) => http.request({ method: 'GET', path: `/v1/verifications/${segment(id)}` }, call),
      cancel: (id, call) =>
        http.request({ method: 'POST', path: `/v1/verifications/${segment(id)}/cancel`, body: {} }, call),
    }
    this.tokens = {
      introspect: (params, call) =>
        http.request({ method: 'POST', path: '/v1/tokens/verify', body: tokenParams(params) }, call),
      consume: (params, call) =>
        http.request(
          { method: 'POST', path: '/v1/tokens/verify', body: { ...tokenParams(params), consume: true } },
          call,
        ),
    }
    this.sessions = {
      create: (params, call) =>
        http.request({ method: 'POST', path: '/v1/sessions', body: params, idempotent: true }, call),
      exchange: (id, params, call) =>
        http.request(
          {
            method: 'POST',
            path: `/v1/sessions/${segment(id)}/exchange`,
            body: typeof params === 'string' ? { code: params } : params,
          },
          call,
        ),
    }
  }

  /** One user's factors and challenges. */
  users(userId: string): UserResource {
    const http = this.#http
    const base = `/v1/users/${segment(userId)}`
    const stepUp = (options: StepUpOptions | undefined) =>
      options?.stepUpToken === undefined ? {} : { 'x-verification-token': options.stepUpToken }
    return {
      factors: {
        list: async (call) =>
          (await http.request<FactorList>({ method: 'GET', path: `${base}/factors` }, call)).factors,
        bind: (params, call) =>
          http.request(
            { method: 'POST', path: `${base}/factors`, body: params, headers: stepUp(call), idempotent: true },
            call,
          ),
        activate: (factorId, params, call) =>
          http.request(
            {
              method: 'POST',
              path: `${base}/factors/${segment(factorId)}/activate`,
              body: typeof params === 'string' ? { verification_code: params } : params,
            },
            call,
          ),
        remove: async (factorId, call) => {
          await http.request(
            { method: 'DELETE', path: `${base}/factors/${segment(factorId)}`, headers: stepUp(call) },
            call,
          )
        },
      },
      challenge: (params, call) =>
        http.request({ method: 'POST', path: `${base}/challenges`, body: params, idempotent: true }, call),
    }
  }

  /**
   * Checks a verification token offline against this Tessera's JWKS (cached; refetched for an unknown key):
   * signature (EdDSA only), issuer, audience (your app id), expiry and scene. Throws `InvalidTokenError`.
   * It cannot see whether the token was consumed: where single use matters, use `tokens.consume`.
   */
  async verifyToken(token: string, options: TokenCheckOptions = {}): Promise<VerificationClaims> {
    const audience = options.audience ?? this.#appId
    if (audience === undefined) {
      throw new TypeError('verifyToken needs your app id: pass { audience } or new Tessera({ appId })')
    }
    return verifyToken(token, {
      jwksUrl: this.#jwksUrl,
      issuer: this.#issuer,
      audience,
      ...(options.scene === undefined ? {} : { scene: options.scene }),
      ...(options.userId === undefined ? {} : { userId: options.userId }),
      ...(options.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: options.clockToleranceSeconds }),
      ...(options.currentDate === undefined ? {} : { currentDate: options.currentDate }),
      ...(this.#fetch === undefined ? {} : { fetch: this.#fetch }),
    })
  }
}

function tokenParams<T extends { verification_token: string }>(params: T | string): T | { verification_token: string } {
  return typeof params === 'string' ? { verification_token: params } : params
}
