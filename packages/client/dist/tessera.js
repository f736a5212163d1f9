import { createHttpClient, segment, } from './http-client.js';
import { verifyToken } from './verify-token.js';
/**
 * Tessera's app API (`/v1`), with the API's own field names:
 *
 *   const tessera = new Tessera({ baseUrl: 'https://verify.example.com', apiKey: process.env.TESSERA_KEY })
 *   const { verification_id } = await tessera.verifications.start({ channel: 'sms', to: '+14155550101' })
 *   const { verification_token } = await tessera.verifications.check({ verification_id, verification_code })
 */
export class Tessera {
    verifications;
    tokens;
    sessions;
    #http;
    #issuer;
    #jwksUrl;
    #appId;
    #fetch;
    constructor(options) {
        if (!options?.baseUrl)
            throw new TypeError('new Tessera({ baseUrl, apiKey }): baseUrl is required');
        if (!options.apiKey)
            throw new TypeError('new Tessera({ baseUrl, apiKey }): apiKey is required');
        const http = createHttpClient(options, options.apiKey);
        const baseUrl = options.baseUrl.replace(/\/+$/, '');
        this.#http = http;
        this.#issuer = options.issuer ?? baseUrl;
        this.#jwksUrl = options.jwksUrl ?? `${baseUrl}/.well-known/jwks.json`;
        this.#appId = options.appId;
        this.#fetch = options.fetch;
        this.verifications = {
            start: (params, call) => http.request({ method: 'POST', path: '/v1/verifications', body: params, idempotent: true }, call),
            resend: (id, params = {}, call) => http.request({ method: 'POST', path: `/v1/verifications/${segment(id)}/resend`, body: params, idempotent: true }, call),
            check: (params, call) => http.request({ method: 'POST', path: '/v1/verifications/verify', body: params }, call),
            get: (id, call) => http.request({ method: 'GET', path: `/v1/verifications/${segment(id)}` }, call),
            cancel: (id, call) => http.request({ method: 'POST', path: `/v1/verifications/${segment(id)}/cancel`, body: {} }, call),
        };
        this.tokens = {
            introspect: (params, call) => http.request({ method: 'POST', path: '/v1/tokens/verify', body: tokenParams(params) }, call),
            consume: (params, call) => http.request({ method: 'POST', path: '/v1/tokens/verify', body: { ...tokenParams(params), consume: true } }, call),
        };
        this.sessions = {
            create: (params, call) => http.request({ method: 'POST', path: '/v1/sessions', body: params, idempotent: true }, call),
            exchange: (id, params, call) => http.request({
                method: 'POST',
                path: `/v1/sessions/${segment(id)}/exchange`,
                body: typeof params === 'string' ? { code: params } : params,
            }, call),
        };
    }
    /** One user's factors and challenges. */
    users(userId) {
        const http = this.#http;
        const base = `/v1/users/${segment(userId)}`;
        const stepUp = (options) => options?.stepUpToken === undefined ? {} : { 'x-verification-token': options.stepUpToken };
        return {
            factors: {
                list: async (call) => (await http.request({ method: 'GET', path: `${base}/factors` }, call)).factors,
                bind: (params, call) => http.request({ method: 'POST', path: `${base}/factors`, body: params, headers: stepUp(call), idempotent: true }, call),
                activate: (factorId, params, call) => http.request({
                    method: 'POST',
                    path: `${base}/factors/${segment(factorId)}/activate`,
                    body: typeof params === 'string' ? { verification_code: params } : params,
                }, call),
                remove: async (factorId, call) => {
                    await http.request({ method: 'DELETE', path: `${base}/factors/${segment(factorId)}`, headers: stepUp(call) }, call);
                },
            },
            challenge: (params, call) => http.request({ method: 'POST', path: `${base}/challenges`, body: params, idempotent: true }, call),
        };
    }
    /**
     * Checks a verification token offline against this Tessera's JWKS (cached; refetched for an unknown key):
     * signature (EdDSA only), issuer, audience (your app id), expiry and scene. Throws `InvalidTokenError`.
     * It cannot see whether the token was consumed: where single use matters, use `tokens.consume`.
     */
    async verifyToken(token, options = {}) {
        const audience = options.audience ?? this.#appId;
        if (audience === undefined) {
            throw new TypeError('verifyToken needs your app id: pass { audience } or new Tessera({ appId })');
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
        });
    }
}
function tokenParams(params) {
    return typeof params === 'string' ? { verification_token: params } : params;
}
