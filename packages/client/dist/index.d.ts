export type * from './api-types.js';
export { AuthenticationError, ConnectionError, IdempotencyError, InvalidCodeError, InvalidTokenError, type InvalidTokenReason, NotFoundError, PermissionDeniedError, RateLimitedError, TesseraError, TimeoutError, } from './errors.js';
export type { components as TesseraComponents, paths as TesseraPaths } from './generated/openapi.js';
export type { HttpClientOptions, RequestOptions } from './http-client.js';
export type { RequireVerificationOptions, VerifiedToken } from './middleware/verification-guard.js';
export { type StepUpOptions, Tessera, type TesseraOptions, type TokenCheckOptions, type UserResource, } from './tessera.js';
export { type PageParams, TesseraAdmin, type TesseraAdminOptions } from './tessera-admin.js';
export { type VerificationClaims, type VerifyTokenOptions, verifyToken } from './verify-token.js';
export { InvalidWebhookError, type InvalidWebhookReason, type VerifyWebhookOptions, verifyWebhook, type WebhookEvent, type WebhookHeaders, } from './verify-webhook.js';
