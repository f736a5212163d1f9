import type {
  ApiKeyList,
  App,
  AppEventList,
  AppList,
  AppVerificationList,
  CreateApiKeyParams,
  CreateAppParams,
  CreatedApiKey,
  CreatedWebhook,
  CreateWebhookParams,
  FactorList,
  RevokedSigningKey,
  RotatedSigningKey,
  RotatedWebhookSecret,
  SigningKeyList,
  UpdateAppParams,
  UpdatedWebhook,
  UpdateWebhookParams,
  Webhook,
  WebhookList,
} from './api-types.js'
import { createHttpClient, type HttpClientOptions, type RequestOptions, segment } from './http-client.js'

export interface TesseraAdminOptions extends HttpClientOptions {
  /** The operator key (TESSERA_ADMIN_KEY). It can do anything: keep it out of apps. */
  readonly adminKey: string
}

/** A page of a list: the newest first, `before` an ISO time to read older entries. */
export interface PageParams {
  readonly limit?: number
  readonly before?: string
}

/**
 * Tessera's operator API (`/admin/v1`): apps and their settings, app keys, signing keys, and what an app's
 * verifications and events were. The API's own field names throughout.
 */
export class TesseraAdmin {
  readonly apps: {
    create(params: CreateAppParams, options?: RequestOptions): Promise<App>
    list(params?: PageParams & { after?: string }, options?: RequestOptions): Promise<AppList>
    get(appId: string, options?: RequestOptions): Promise<App>
    /** Changes the name and/or merges settings (JSON merge patch: `null` resets a field to its default). */
    update(appId: string, params: UpdateAppParams, options?: RequestOptions): Promise<App>
    /** Recent verifications of the app (identifiers masked). */
    verifications(appId: string, params?: PageParams, options?: RequestOptions): Promise<AppVerificationList>
    /** Recent events of the app. */
    events(appId: string, params?: PageParams & { kind?: string }, options?: RequestOptions): Promise<AppEventList>
  }
  readonly keys: {
    /** A new app key: the secret `key` is in this answer only. */
    create(appId: string, params?: CreateApiKeyParams, options?: RequestOptions): Promise<CreatedApiKey>
    list(appId: string, options?: RequestOptions): Promise<ApiKeyList>
    revoke(appId: string, keyId: string, options?: RequestOptions): Promise<void>
  }
  readonly signingKeys: {
    list(options?: RequestOptions): Promise<SigningKeyList>
    /** A new signing key signs from now on; the old one stays in the JWKS until its tokens expire. */
    rotate(options?: RequestOptions): Promise<RotatedSigningKey>
    /** Withdraws a key at once: tokens it signed stop being accepted. */
    revoke(kid: string, options?: RequestOptions): Promise<RevokedSigningKey>
  }
  /** The app's event webhook endpoints (Standard Webhooks; check deliveries with `verifyWebhook`). */
  readonly webhooks: {
    /** A new endpoint: the signing `secret` (whsec_…) is in this answer only. */
    create(appId: string, params: CreateWebhookParams, options?: RequestOptions): Promise<CreatedWebhook>
    list(appId: string, options?: RequestOptions): Promise<WebhookList>
    get(appId: string, webhookId: string, options?: RequestOptions): Promise<Webhook>
    /** `enabled: true` also clears a failing streak; `rotate_secret: true` answers a new `secret`. */
    update(
      appId: string,
      webhookId: string,
      params: UpdateWebhookParams,
      options?: RequestOptions,
    ): Promise<UpdatedWebhook>
    /** A new secret (in this answer only); the old one keeps signing beside it for 24 hours. */
    rotateSecret(appId: string, webhookId: string, options?: RequestOptions): Promise<RotatedWebhookSecret>
    /** Deletes the endpoint; its pending deliveries are dropped. */
    remove(appId: string, webhookId: string, options?: RequestOptions): Promise<void>
  }
  /** A user's factors as the operator sees them, and their removal without a step-up token. */
  readonly users: {
    listFactors(appId: string, userId: string, options?: RequestOptions): Promise<FactorList>
    removeFactor(appId: string, userId: string, factorId: string, options?: RequestOptions): Promise<void>
  }

  constructor(options: TesseraAdminOptions) {
    if (!options?.baseUrl) throw new TypeError('new TesseraAdmin({ baseUrl, adminKey }): baseUrl is required')
    if (!options.adminKey) throw new TypeError('new TesseraAdmin({ baseUrl, adminKey }): adminKey is required')
    const http = createHttpClient(options, options.adminKey)
    const app = (appId: string) => `/admin/v1/apps/${segment(appId)}`

    this.apps = {
      create: (params, call) => http.request({ method: 'POST', path: '/admin/v1/apps', body: params }, call),
      list: (params = {}, call) => http.request({ method: 'GET', path: '/admin/v1/apps', query: { ...params } }, call),
      get: (appId, call) => http.request({ method: 'GET', path: app(appId) }, call),
      update: (appId, params, call) => http.request({ method: 'PATCH', path: app(appId), body: params }, call),
      verifications: (appId, params = {}, call) =>
        http.request({ method: 'GET', path: `${app(appId)}/verifications`, query: { ...params } }, call),
      events: (appId, params = {}, call) =>
        http.request({ method: 'GET', path: `${app(appId)}/events`, query: { ...params } }, call),
    }
    this.keys = {
      create: (appId, params = {}, call) =>
        http.request({ method: 'POST', path: `${app(appId)}/keys`, body: params }, call),
      list: (appId, call) => http.request({ method: 'GET', path: `${app(appId)}/keys` }, call),
      revoke: async (appId, keyId, call) => {
        await http.request({ method: 'DELETE', path: `${app(appId)}/keys/${segment(keyId)}` }, call)
      },
    }
    this.signingKeys = {
      list: (call) => http.request({ method: 'GET', path: '/admin/v1/signing-keys' }, call),
      rotate: (call) => http.request({ method: 'POST', path: '/admin/v1/signing-keys/rotate' }, call),
      revoke: (kid, call) =>
        http.request({ method: 'POST', path: `/admin/v1/signing-keys/${segment(kid)}/revoke` }, call),
    }
    const webhook = (appId: string, webhookId: string) => `${app(appId)}/webhooks/${segment(webhookId)}`
    this.webhooks = {
      create: (appId, params, call) =>
        http.request({ method: 'POST', path: `${app(appId)}/webhooks`, body: params }, call),
      list: (appId, call) => http.request({ method: 'GET', path: `${app(appId)}/webhooks` }, call),
      get: (appId, webhookId, call) => http.request({ method: 'GET', path: webhook(appId, webhookId) }, call),
      update: (appId, webhookId, params, call) =>
        http.request({ method: 'PATCH', path: webhook(appId, webhookId), body: params }, call),
      rotateSecret: (appId, webhookId, call) =>
        http.request({ method: 'POST', path: `${webhook(appId, webhookId)}/rotate-secret` }, call),
      remove: async (appId, webhookId, call) => {
        await http.request({ method: 'DELETE', path: webhook(appId, webhookId) }, call)
      },
    }
    this.users = {
      listFactors: (appId, userId, call) =>
        http.request({ method: 'GET', path: `${app(appId)}/users/${segment(userId)}/factors` }, call),
      removeFactor: async (appId, userId, factorId, call) => {
        await http.request(
          { method: 'DELETE', path: `${app(appId)}/users/${segment(userId)}/factors/${segment(factorId)}` },
          call,
        )
      },
    }
  }
}
