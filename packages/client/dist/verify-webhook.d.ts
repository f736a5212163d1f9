import { TesseraError } from './errors.js';
/** The headers of a webhook delivery, as a Headers object or a plain object (Node's `request.headers`). */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
export interface VerifyWebhookOptions {
    /** Seconds a delivery's `webhook-timestamp` may be off from now (replays of old deliveries are refused). Default 300. */
    readonly toleranceSeconds?: number;
    /** The time to check against (tests). Default: now. */
    readonly currentDate?: Date;
}
/** One event as Tessera posts it (docs/events.md); `data` depends on `type`. */
export interface WebhookEvent {
    readonly type: string;
    readonly timestamp: string;
    readonly data: Readonly<Record<string, unknown>>;
    readonly [field: string]: unknown;
}
export type InvalidWebhookReason = 'missing_headers' | 'timestamp' | 'signature' | 'payload';
/** A delivery that failed `verifyWebhook`: not from Tessera, altered, or too old. Answer it 400 and drop it. */
export declare class InvalidWebhookError extends TesseraError {
    readonly reason: InvalidWebhookReason;
    constructor(reason: InvalidWebhookReason, description: string);
}
/**
 * Checks a Tessera event webhook (Standard Webhooks): one of the `v1` signatures in `webhook-signature` must be
 * HMAC-SHA256 under `secret` over `${webhook-id}.${webhook-timestamp}.${payload}`, and the timestamp within five
 * minutes. Pass the body exactly as received (a string or bytes, before any JSON parsing). Answers the parsed
 * event; throws `InvalidWebhookError`. Deduplicate on `webhook-id`: delivery is at least once.
 */
export declare function verifyWebhook(payload: string | Uint8Array | ArrayBuffer, headers: WebhookHeaders, secret: string, options?: VerifyWebhookOptions): Promise<WebhookEvent>;
