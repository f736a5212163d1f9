export { AuthenticationError, ConnectionError, IdempotencyError, InvalidCodeError, InvalidTokenError, NotFoundError, PermissionDeniedError, RateLimitedError, TesseraError, TimeoutError, } from './errors.js';
export { Tessera, } from './tessera.js';
export { TesseraAdmin } from './tessera-admin.js';
export { verifyToken } from './verify-token.js';
export { InvalidWebhookError, verifyWebhook, } from './verify-webhook.js';
