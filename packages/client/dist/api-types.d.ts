import type { paths } from './generated/openapi.js';
type Method = 'get' | 'post' | 'patch' | 'delete';
/** The JSON body of an operation. */
export type RequestBody<P extends keyof paths, M extends Method> = paths[P][M] extends {
    requestBody?: {
        content: {
            'application/json': infer Body;
        };
    };
} ? Body : never;
/** The JSON answer of an operation for one status. */
export type ResponseBody<P extends keyof paths, M extends Method, S extends number> = paths[P][M] extends {
    responses: {
        [status in S]: {
            content: {
                'application/json': infer Body;
            };
        };
    };
} ? Body : never;
export type StartVerificationParams = RequestBody<'/v1/verifications', 'post'>;
export type Verification = ResponseBody<'/v1/verifications', 'post', 201>;
export type ResendVerificationParams = NonNullable<RequestBody<'/v1/verifications/{verification_id}/resend', 'post'>>;
export type CheckVerificationParams = RequestBody<'/v1/verifications/verify', 'post'>;
export type CheckVerificationResult = ResponseBody<'/v1/verifications/verify', 'post', 200>;
export type IntrospectTokenParams = RequestBody<'/v1/tokens/verify', 'post'>;
export type TokenIntrospection = ResponseBody<'/v1/tokens/verify', 'post', 200>;
export type ActiveTokenIntrospection = Extract<TokenIntrospection, {
    active: true;
}>;
export type BindFactorParams = RequestBody<'/v1/users/{user_id}/factors', 'post'>;
export type BoundFactor = ResponseBody<'/v1/users/{user_id}/factors', 'post', 201>;
export type FactorList = ResponseBody<'/v1/users/{user_id}/factors', 'get', 200>;
export type Factor = FactorList['factors'][number];
export type ActivateFactorParams = RequestBody<'/v1/users/{user_id}/factors/{factor_id}/activate', 'post'>;
export type ActivatedFactor = ResponseBody<'/v1/users/{user_id}/factors/{factor_id}/activate', 'post', 200>;
export type ChallengeParams = RequestBody<'/v1/users/{user_id}/challenges', 'post'>;
export type CreateSessionParams = RequestBody<'/v1/sessions', 'post'>;
export type Session = ResponseBody<'/v1/sessions', 'post', 201>;
export type ExchangeSessionParams = RequestBody<'/v1/sessions/{session_id}/exchange', 'post'>;
export type ExchangedSession = ResponseBody<'/v1/sessions/{session_id}/exchange', 'post', 200>;
export type CreateAppParams = RequestBody<'/admin/v1/apps', 'post'>;
export type App = ResponseBody<'/admin/v1/apps', 'post', 201>;
export type AppList = ResponseBody<'/admin/v1/apps', 'get', 200>;
export type UpdateAppParams = RequestBody<'/admin/v1/apps/{app_id}', 'patch'>;
export type CreateApiKeyParams = NonNullable<RequestBody<'/admin/v1/apps/{app_id}/keys', 'post'>>;
export type CreatedApiKey = ResponseBody<'/admin/v1/apps/{app_id}/keys', 'post', 201>;
export type ApiKeyList = ResponseBody<'/admin/v1/apps/{app_id}/keys', 'get', 200>;
export type SigningKeyList = ResponseBody<'/admin/v1/signing-keys', 'get', 200>;
export type RotatedSigningKey = ResponseBody<'/admin/v1/signing-keys/rotate', 'post', 200>;
export type RevokedSigningKey = ResponseBody<'/admin/v1/signing-keys/{kid}/revoke', 'post', 200>;
export type AppVerificationList = ResponseBody<'/admin/v1/apps/{app_id}/verifications', 'get', 200>;
export type AppEventList = ResponseBody<'/admin/v1/apps/{app_id}/events', 'get', 200>;
export type CreateWebhookParams = RequestBody<'/admin/v1/apps/{app_id}/webhooks', 'post'>;
export type CreatedWebhook = ResponseBody<'/admin/v1/apps/{app_id}/webhooks', 'post', 201>;
export type WebhookList = ResponseBody<'/admin/v1/apps/{app_id}/webhooks', 'get', 200>;
export type Webhook = ResponseBody<'/admin/v1/apps/{app_id}/webhooks/{webhook_id}', 'get', 200>;
export type UpdateWebhookParams = RequestBody<'/admin/v1/apps/{app_id}/webhooks/{webhook_id}', 'patch'>;
export type UpdatedWebhook = ResponseBody<'/admin/v1/apps/{app_id}/webhooks/{webhook_id}', 'patch', 200>;
export type RotatedWebhookSecret = ResponseBody<'/admin/v1/apps/{app_id}/webhooks/{webhook_id}/rotate-secret', 'post', 200>;
export {};
