import type { ApiKeyList, App, AppEventList, AppList, AppVerificationList, CreateApiKeyParams, CreateAppParams, CreatedApiKey, CreatedWebhook, CreateWebhookParams, FactorList, RevokedSigningKey, RotatedSigningKey, RotatedWebhookSecret, SigningKeyList, UpdateAppParams, UpdatedWebhook, UpdateWebhookParams, Webhook, WebhookList } from './api-types.js';
import { type HttpClientOptions, type RequestOptions } from './http-client.js';
export interface TesseraAdminOptions extends HttpClientOptions {
    /** The operator key (TESSERA_ADMIN_KEY). It can do anything: keep it out of apps. */
    readonly adminKey: string;
}
/** A page of a list: the newest first, `before` an ISO time to read older entries. */
export interface PageParams {
    readonly limit?: number;
    readonly before?: string;
}
/**
 * Tessera's operator API (`/admin/v1`): apps and their settings, app keys, signing keys, and what an app's
 * verifications and events were. The API's own field names throughout.
 */
export declare class TesseraAdmin {
    readonly apps: {
        create(params: CreateAppParams, options?: RequestOptions): Promise<App>;
        list(params?: PageParams & {
            after?: string;
        }, options?: RequestOptions): Promise<AppList>;
        get(appId: string, options?: RequestOptions): Promise<App>;
        /** Changes the name and/or merges settings (JSON merge patch: `null` resets a field to its default). */
        update(appId: string, params: UpdateAppParams, options?: RequestOptions): Promise<App>;
        /** Recent verifications of the app (identifiers masked). */
        verifications(appId: string, params?: PageParams, options?: RequestOptions): Promise<AppVerificationList>;
        /** Recent events of the app. */
        events(appId: string, params?: PageParams & {
            kind?: string;
        }, options?: RequestOptions): Promise<AppEventList>;
    };
    readonly keys: {
        /** A new app key: the secret `key` is in this answer only. */
        create(appId: string, params?: CreateApiKeyParams, options?: RequestOptions): Promise<CreatedApiKey>;
        list(appId: string, options?: RequestOptions): Promise<ApiKeyList>;
        revoke(appId: string, keyId: string, options?: RequestOptions): Promise<void>;
    };
    readonly signingKeys: {
        list(options?: RequestOptions): Promise<SigningKeyList>;
        /** A new signing key signs from now on; the old one stays in the JWKS until its tokens expire. */
        rotate(options?: RequestOptions): Promise<RotatedSigningKey>;
        /** Withdraws a key at once: tokens it signed stop being accepted. */
        revoke(kid: string, options?: RequestOptions): Promise<RevokedSigningKey>;
    };
    /** The app's event webhook endpoints (Standard Webhooks; check deliveries with `verifyWebhook`). */
    readonly webhooks: {
        /** A new endpoint: the signing `secret` (whsec_…) is in this answer only. */
        create(appId: string, params: CreateWebhookParams, options?: RequestOptions): Promise<CreatedWebhook>;
        list(appId: string, options?: RequestOptions): Promise<WebhookList>;
        get(appId: string, webhookId: string, options?: RequestOptions): Promise<Webhook>;
        /** `enabled: true` also clears a failing streak; `rotate_secret: true` answers a new `secret`. */
        update(appId: string, webhookId: string, params: UpdateWebhookParams, options?: RequestOptions): Promise<UpdatedWebhook>;
        /** A new secret (in this answer only); the old one keeps signing beside it for 24 hours. */
        rotateSecret(appId: string, webhookId: string, options?: RequestOptions): Promise<RotatedWebhookSecret>;
        /** Deletes the endpoint; its pending deliveries are dropped. */
        remove(appId: string, webhookId: string, options?: RequestOptions): Promise<void>;
    };
    /** A user's factors as the operator sees them, and their removal without a step-up token. */
    readonly users: {
        listFactors(appId: string, userId: string, options?: RequestOptions): Promise<FactorList>;
        removeFactor(appId: string, userId: string, factorId: string, options?: RequestOptions): Promise<void>;
    };
    constructor(options: TesseraAdminOptions);
}
