import { createRemoteJWKSet, errors as joseErrors, customFetch as jwksFetch, jwtVerify, } from 'jose';
import { InvalidTokenError } from './errors.js';
/** Tessera signs with Ed25519 only; nothing else is accepted (no `none`, no HMAC confusion). */
const ALGORITHMS = ['EdDSA', 'Ed25519'];
/**
 * One key set per JWKS URL (and per custom fetch), shared by every check: jose caches the keys and refetches
 * the set when a token names a `kid` it does not hold (a rotation).
 */
const keySets = new Map();
const keySetsByFetch = new WeakMap();
function keySetFor(url, customFetch) {
    let cache = keySets;
    if (customFetch) {
        cache = keySetsByFetch.get(customFetch) ?? new Map();
        keySetsByFetch.set(customFetch, cache);
    }
    const cached = cache.get(url);
    if (cached)
        return cached;
    const keySet = createRemoteJWKSet(new URL(url), {
        // A token signed by a key we have not seen refetches the set, at most once a second.
        cooldownDuration: 1_000,
        // Keys are re-read every 5 minutes anyway (the JWKS answer's own max-age), so a revoked key stops being trusted.
        cacheMaxAge: 5 * 60 * 1000,
        // jose's documented hook for a custom fetch of the JWKS.
        ...(customFetch ? { [jwksFetch]: customFetch } : {}),
    });
    cache.set(url, keySet);
    return keySet;
}
/**
 * Checks a verification token offline: its Ed25519 signature against Tessera's JWKS, the issuer, the audience
 * (your app id), expiry with a small clock tolerance, and the scene. Answers its claims, or throws
 * `InvalidTokenError` with the reason. An offline check cannot see that a token was already consumed: where
 * single use matters, consume it online (`tessera.tokens.consume`).
 */
export async function verifyToken(token, options) {
    if (typeof token !== 'string' || token === '')
        throw new InvalidTokenError('malformed', 'No verification token.');
    let payload;
    try {
        const verified = await jwtVerify(token, keySetFor(String(options.jwksUrl), options.fetch), {
            algorithms: ALGORITHMS,
            issuer: options.issuer,
            audience: typeof options.audience === 'string' ? options.audience : [...options.audience],
            clockTolerance: options.clockToleranceSeconds ?? 5,
            requiredClaims: ['exp', 'iat', 'jti', 'aud', 'iss'],
            ...(options.currentDate ? { currentDate: options.currentDate } : {}),
            ...(options.userId === undefined ? {} : { subject: options.userId }),
        });
        payload = verified.payload;
    }
    catch (error) {
        throw invalidToken(error);
    }
    if (typeof payload.scene !== 'string' || typeof payload.vid !== 'string' || typeof payload.channel !== 'string') {
        throw new InvalidTokenError('malformed', 'The token is not a Tessera verification token.');
    }
    const scenes = options.scene === undefined ? undefined : typeof options.scene === 'string' ? [options.scene] : options.scene;
    if (scenes !== undefined && !scenes.includes(payload.scene)) {
        throw new InvalidTokenError('scene_mismatch', `The token is for scene "${payload.scene}", not ${scenes.map((s) => `"${s}"`).join(' or ')}.`);
    }
    return payload;
}
function invalidToken(error) {
    const make = (reason, description) => new InvalidTokenError(reason, description, error);
    if (error instanceof joseErrors.JWTExpired)
        return make('expired', 'The token has expired.');
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
        if (error.claim === 'iss')
            return make('issuer', 'The token was issued by another Tessera.');
        if (error.claim === 'aud')
            return make('audience', 'The token was issued to another app.');
        if (error.claim === 'sub')
            return make('subject', 'The token is about another user.');
        return make('malformed', `The token's ${error.claim} claim is not valid.`);
    }
    if (error instanceof joseErrors.JOSEAlgNotAllowed)
        return make('algorithm', 'The token is not signed with EdDSA.');
    if (error instanceof joseErrors.JWSSignatureVerificationFailed)
        return make('signature', 'The token signature is not valid.');
    if (error instanceof joseErrors.JWKSNoMatchingKey)
        return make('unknown_key', 'No key in the JWKS signed this token.');
    if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
        return make('jwks_unavailable', 'The JWKS could not be read.');
    }
    if (error instanceof joseErrors.JOSEError)
        return make('malformed', 'The token is not a valid JWT.');
    // A fetch of the JWKS that failed (network): not the token's fault, but it cannot be accepted either.
    return make('jwks_unavailable', 'The JWKS could not be read.');
}
