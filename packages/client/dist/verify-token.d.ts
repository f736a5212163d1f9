import { type JWTPayload } from 'jose';
/** The claims of a Tessera verification token, as the server signs them. */
export interface VerificationClaims extends JWTPayload {
    /** Tessera's public URL. */
    readonly iss: string;
    /** The app id the token was issued to. */
    readonly aud: string;
    /** The user id, when the verification named one. */
    readonly sub?: string;
    /** Why the verification happened: the token is good for this scene only. */
    readonly scene: string;
    /** The verification id. */
    readonly vid: string;
    /** The token id (single use is tracked by it, online). */
    readonly jti: string;
    /** The verification type that was proven: sms, email, totp, password, backup-code. */
    readonly channel: string;
    /** What was proven (OIDC amr style). */
    readonly amr: readonly string[];
    /** The factor the token proves, if any. */
    readonly factor_id?: string;
    /** The verified identifier (E.164 phone number or email), for types that have one. */
    readonly to?: string;
    readonly iat: number;
    readonly exp: number;
}
export interface VerifyTokenOptions {
    /** Tessera's JWKS, e.g. `https://verify.example.com/.well-known/jwks.json`. */
    readonly jwksUrl: string | URL;
    /** Tessera's public URL exactly as it signs it (`iss`). */
    readonly issuer: string;
    /** Your app id (`aud`): a token issued to another app on the same Tessera is refused. */
    readonly audience: string | readonly string[];
    /** The scene (or scenes) you accept. Leave it out only where any scene will do. */
    readonly scene?: string | readonly string[];
    /** When given, the token must be about this user (`sub`). */
    readonly userId?: string;
    /** Seconds of clock difference tolerated on `exp` and `iat`. Default 5. */
    readonly clockToleranceSeconds?: number;
    /** The time to check against (tests). Default: now. */
    readonly currentDate?: Date;
    /** The fetch used for the JWKS. Default: the runtime's global fetch. */
    readonly fetch?: typeof fetch;
}
/**
 * Checks a verification token offline: its Ed25519 signature against Tessera's JWKS, the issuer, the audience
 * (your app id), expiry with a small clock tolerance, and the scene. Answers its claims, or throws
 * `InvalidTokenError` with the reason. An offline check cannot see that a token was already consumed: where
 * single use matters, consume it online (`tessera.tokens.consume`).
 */
export declare function verifyToken(token: string, options: VerifyTokenOptions): Promise<VerificationClaims>;
