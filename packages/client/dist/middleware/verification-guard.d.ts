import type { Tessera } from '../tessera.js';
import type { VerificationClaims } from '../verify-token.js';
/** What a protected route learns about the verification behind the request's token. */
export interface VerifiedToken {
    readonly verification_id: string;
    readonly scene: string;
    /** The verification type that was proven: sms, email, totp, password, backup-code. */
    readonly channel: string;
    readonly amr: readonly string[];
    readonly user_id: string | null;
    /** The verified identifier (phone or email), when the type has one. */
    readonly to: string | null;
    readonly factor_id: string | null;
    readonly issued_at: string;
    readonly expires_at: string;
    /** True when this request used the token up online (`consume: true`): no other request can. */
    readonly consumed: boolean;
    /** The signed claims, when the token was checked offline. */
    readonly claims?: VerificationClaims;
}
/** Options shared by the Express, Fastify and Web-standard middleware. */
export interface RequireVerificationOptions<Req> {
    /** The client: its JWKS and app id for offline checks, its key for online consumes. */
    readonly tessera: Tessera;
    /** The scene (or scenes) the route accepts. */
    readonly scene: string | readonly string[];
    /**
     * true: consume the token online (single use: a replayed token is refused, across every instance of your app).
     * false (default): check it offline against the JWKS, which cannot see a consumed token.
     */
    readonly consume?: boolean;
    /** Your app id, for offline checks; default the client's `appId`. */
    readonly audience?: string;
    /** Where the token is; default the `X-Verification-Token` header. */
    readonly getToken?: (request: Req) => string | undefined | null | Promise<string | undefined | null>;
    /** When given, the token must be about this user (e.g. the signed-in one); else 403. */
    readonly userId?: (request: Req) => string | undefined | null | Promise<string | undefined | null>;
}
/** A refusal in Tessera's error shape. */
export interface Refusal {
    readonly status: number;
    readonly body: {
        error: string;
        error_code: number;
        error_description: string;
    };
}
export type GuardOutcome = {
    readonly ok: true;
    readonly verified: VerifiedToken;
} | {
    readonly ok: false;
    readonly refusal: Refusal;
};
export declare const TOKEN_HEADER = "x-verification-token";
/** The one check behind every framework's middleware. */
export declare function guardRequest<Req>(request: Req, headerOf: (request: Req, name: string) => string | undefined, options: RequireVerificationOptions<Req>): Promise<GuardOutcome>;
