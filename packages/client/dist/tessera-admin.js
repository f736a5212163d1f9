import { createHttpClient, segment } from './http-client.js';
/**
 * Tessera's operator API (`/admin/v1`): apps and their settings, app keys, signing keys, and what an app's
 * verifications and events were. The API's own field names throughout.
 */
export class TesseraAdmin {
    apps;
    keys;
    signingKeys;
    /** The app's event webhook endpoints (Standard Webhooks; check deliveries with `verifyWebhook`). */
    webhooks;
    /** A user's factors as the operator sees them, and their removal without a step-up token. */
    users;
    constructor(options) {
        if (!options?.baseUrl)
            throw new TypeError('new TesseraAdmin({ baseUrl, adminKey }): baseUrl is required');
        if (!options.adminKey)
            throw new TypeError('new TesseraAdmin({ baseUrl, adminKey }): adminKey is required');
        const http = createHttpClient(options, options.adminKey);
        const app = (appId) => `/admin/v1/apps/${segment(appId)}`;
        this.apps = {
            create: (params, call) => http.request({ method: 'POST', path: '/admin/v1/apps', body: params }, call),
            list: (params = {}, call) => http.request({ method: 'GET', path: '/admin/v1/apps', query: { ...params } }, call),
            get: (appId, call) => http.request({ method: 'GET', path: app(appId) }, call),
            update: (appId, params, call) => http.request({ method: 'PATCH', path: app(appId), body: params }, call),
            verifications: (appId, params = {}, call) => http.request({ method: 'GET', path: `${app(appId)}/verifications`, query: { ...params } }, call),
            events: (appId, params = {}, call) => http.request({ method: 'GET', path: `${app(appId)}/events`, query: { ...params } }, call),
        };
        this.keys = {
            create: (appId, params = {}, call) => http.request({ method: 'POST', path: `${app(appId)}/keys`, body: params }, call),
            list: (appId, call) => http.request({ method: 'GET', path: `${app(appId)}/keys` }, call),
            revoke: async (appId, keyId, call) => {
                await http.request({ method: 'DELETE', path: `${app(appId)}/keys/${segment(keyId)}` }, call);
            },
        };
        this.signingKeys = {
            list: (call) => http.request({ method: 'GET', path: '/admin/v1/signing-keys' }, call),
            rotate: (call) => http.request({ method: 'POST', path: '/admin/v1/signing-keys/rotate' }, call),
            revoke: (kid, call) => http.request({ method: 'POST', path: `/admin/v1/signing-keys/${segment(kid)}/revoke` }, call),
        };
        const webhook = (appId, webhookId) => `${app(appId)}/webhooks/${segment(webhookId)}`;
        this.webhooks = {
            create: (appId, params, call) => http.request({ method: 'POST', path: `${app(appId)}/webhooks`, body: params }, call),
            list: (appId, call) => http.request({ method: 'GET', path: `${app(appId)}/webhooks` }, call),
            get: (appId, webhookId, call) => http.request({ method: 'GET', path: webhook(appId, webhookId) }, call),
            update: (appId, webhookId, params, call) => http.request({ method: 'PATCH', path: webhook(appId, webhookId), body: params }, call),
            rotateSecret: (appId, webhookId, call) => http.request({ method: 'POST', path: `${webhook(appId, webhookId)}/rotate-secret` }, call),
            remove: async (appId, webhookId, call) => {
                await http.request({ method: 'DELETE', path: webhook(appId, webhookId) }, call);
            },
        };
        this.users = {
            listFactors: (appId, userId, call) => http.request({ method: 'GET', path: `${app(appId)}/users/${segment(userId)}/factors` }, call),
            removeFactor: async (appId, userId, factorId, call) => {
                await http.request({ method: 'DELETE', path: `${app(appId)}/users/${segment(userId)}/factors/${segment(factorId)}` }, call);
            },
        };
    }
}
