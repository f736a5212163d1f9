import type { ActivatedFactor, ActivateFactorParams, BindFactorParams, BoundFactor, ChallengeParams, CheckVerificationParams, CheckVerificationResult, CreateSessionParams, ExchangedSession, ExchangeSessionParams, Factor, IntrospectTokenParams, ResendVerificationParams, Session, StartVerificationParams, TokenIntrospection, Verification } from './api-types.js';
import { type HttpClientOptions, type RequestOptions } from './http-client.js';
import { type VerificationClaims } from './verify-token.js';
export interface TesseraOptions extends HttpClientOptions {
    /** An app key (`tsk_…`), sent as `Authorization: Bearer`. Keep it on your server. */
    readonly apiKey: string;
    /** Your app id: the audience `verifyToken` expects when a call names none. */
    readonly appId?: string;
    /** The issuer tokens carry (Tessera's TESSERA_PUBLIC_URL). Default: `baseUrl`. */
    readonly issuer?: string;
    /** Where the signing keys are. Default: `${baseUrl}/.well-known/jwks.json`. */
    readonly jwksUrl?: string;
}
/** Options of `tessera.verifyToken`; issuer and JWKS come from the client. */
export interface TokenCheckOptions {
    /** The scene (or scenes) you accept. */
    readonly scene?: string | readonly string[];
    /** Your app id; default the client's `appId`. */
    readonly audience?: string | readonly string[];
    /** When given, the token must be about this user. */
    readonly userId?: string;
    readonly clockToleranceSeconds?: number;
    readonly currentDate?: Date;
}
/** A factor call that may need a step-up token of the user (`X-Verification-Token`). */
export interface StepUpOptions extends RequestOptions {
    readonly stepUpToken?: string;
}
/** One user's factors and challenges: `tessera.users('u_42')`. */
export interface UserResource {
    readonly factors: {
        list(options?: RequestOptions): Promise<Factor[]>;
        bind(params: BindFactorParams, options?: StepUpOptions): Promise<BoundFactor>;
        /** `params` may be the code itself. */
        activate(factorId: string, params: ActivateFactorParams | string, options?: RequestOptions): Promise<ActivatedFactor>;
        remove(factorId: string, options?: StepUpOptions): Promise<void>;
    };
    challenge(params: ChallengeParams, options?: RequestOptions): Promise<Verification>;
}
/**
 * Tessera's app API (`/v1`), with the API's own field names:
 *
 *   const tessera = new Tessera({ baseUrl: 'https://verify.example.com', apiKey: process.env.TESSERA_KEY })
 *   const { verification_id } = await tessera.verifications.start({ channel: 'sms', to: '+14155550101' })
 *   const { verification_token } = await tessera.verifications.check({ verification_id, verification_code })
 */
export declare class Tessera {
    #private;
    readonly verifications: {
        /** Sends a code. Carries an Idempotency-Key, so a retry never sends a second one. */
        start(params: StartVerificationParams, options?: RequestOptions): Promise<Verification>;
        /** A new code for the same verification (the old one stops working). Idempotent like start. */
        resend(verificationId: string, params?: ResendVerificationParams, options?: RequestOptions): Promise<Verification>;
        /** Checks a code; answers the verification token. A wrong code throws `InvalidCodeError`. */
        check(params: CheckVerificationParams, options?: RequestOptions): Promise<CheckVerificationResult>;
        get(verificationId: string, options?: RequestOptions): Promise<Verification>;
        cancel(verificationId: string, options?: RequestOptions): Promise<Verification>;
    };
    readonly tokens: {
        /** Asks Tessera about a token: `{ active: true, … }` or `{ active: false, reason }`. */
        introspect(params: IntrospectTokenParams | string, options?: RequestOptions): Promise<TokenIntrospection>;
        /** Uses a token up (single use): the first consume is active, every later one `{ active: false, reason: 'consumed' }`. */
        consume(params: Omit<IntrospectTokenParams, 'consume'> | string, options?: RequestOptions): Promise<TokenIntrospection>;
    };
    readonly sessions: {
        /** A hosted verification page for one person; send them to `url`. Idempotent like start. */
        create(params: CreateSessionParams, options?: RequestOptions): Promise<Session>;
        /** Trades the `code` a `response_mode: "code"` redirect carried for the verification token (once). */
        exchange(sessionId: string, params: ExchangeSessionParams | string, options?: RequestOptions): Promise<ExchangedSession>;
    };
    constructor(options: TesseraOptions);
    /** One user's factors and challenges. */
    users(userId: string): UserResource;
    /**
     * Checks a verification token offline against this Tessera's JWKS (cached; refetched for an unknown key):
     * signature (EdDSA only), issuer, audience (your app id), expiry and scene. Throws `InvalidTokenError`.
     * It cannot see whether the token was consumed: where single use matters, use `tokens.consume`.
     */
    verifyToken(token: string, options?: TokenCheckOptions): Promise<VerificationClaims>;
}
