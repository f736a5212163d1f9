/**
 * Every failure the client reports: Tessera's error body (`error`, `error_code`, `error_description` and the
 * fields some errors add), or a request that got no answer (`connection_error`, `timeout`; status 0).
 * Match on `error` (stable strings) or `instanceof` the subclasses below.
 */
export declare class TesseraError extends Error {
    /** The body's fields that have no property of their own (`attempts_remaining`, `status`, `failing`, …). */
    readonly [field: string]: unknown;
    /** The stable string code, e.g. `invalid_verification_code`. */
    readonly error: string;
    /** Its stable number, e.g. 4001; 0 when the server never answered. */
    readonly errorCode: number;
    /** The HTTP status; 0 when the server never answered. */
    readonly status: number;
    /** Seconds to wait before trying again, when the server said (`retry_after` or `Retry-After`). */
    readonly retryAfter: number | undefined;
    /** The whole error body as the server sent it. */
    readonly body: Readonly<Record<string, unknown>>;
    /** The request id the server answered with (`x-request-id`), for its logs. */
    readonly requestId: string | undefined;
    constructor(init: {
        status: number;
        body: Record<string, unknown>;
        retryAfter?: number | undefined;
        requestId?: string | undefined;
        cause?: unknown;
    });
}
/** 400 `invalid_verification_code`: the code was wrong; `attemptsRemaining` tries are left. */
export declare class InvalidCodeError extends TesseraError {
    get attemptsRemaining(): number | undefined;
}
/**
 * Any 429: `rate_limited`, `resend_too_soon` (both with `retryAfter`), `max_sends_reached`,
 * `max_attempts_reached`.
 */
export declare class RateLimitedError extends TesseraError {
}
/** 401: the API key is missing, unknown or revoked (or a middleware found no valid verification token). */
export declare class AuthenticationError extends TesseraError {
}
/** 403: the key may not do this (an app key on admin routes, a missing step-up token). */
export declare class PermissionDeniedError extends TesseraError {
}
/** 404: no such verification, factor, app or key (for this app). */
export declare class NotFoundError extends TesseraError {
}
/** 422 `idempotency_key_reused` or 409 `request_in_progress`: an Idempotency-Key clash. */
export declare class IdempotencyError extends TesseraError {
}
/** The request got no answer: the connection failed or was cut (status 0, error `connection_error`). */
export declare class ConnectionError extends TesseraError {
}
/** The request got no answer within its timeout (status 0, error `timeout`). */
export declare class TimeoutError extends ConnectionError {
}
/**
 * A verification token that failed an offline check (`verifyToken`): `reason` says which part. Its `error`
 * is `invalid_token`; status 401, or 403 when only the scene is wrong (the token is real, but for something else).
 */
export declare class InvalidTokenError extends TesseraError {
    readonly reason: InvalidTokenReason;
    constructor(reason: InvalidTokenReason, description: string, cause?: unknown);
}
export type InvalidTokenReason = 'malformed' | 'signature' | 'algorithm' | 'expired' | 'issuer' | 'audience' | 'scene_mismatch' | 'subject' | 'unknown_key' | 'jwks_unavailable';
/** The error class for an error answer. */
export declare function errorFromResponse(status: number, body: Record<string, unknown>, retryAfter: number | undefined, requestId: string | undefined): TesseraError;
