import { TesseraError } from './errors.js';
/** A delivery that failed `verifyWebhook`: not from Tessera, altered, or too old. Answer it 400 and drop it. */
export class InvalidWebhookError extends TesseraError {
    reason;
    constructor(reason, description) {
        super({ status: 400, body: { error: 'invalid_webhook', error_code: 0, error_description: description, reason } });
        this.reason = reason;
    }
}
const SECRET_PREFIX = 'whsec_';
const encoder = new TextEncoder();
/**
 * Checks a Tessera event webhook (Standard Webhooks): one of the `v1` signatures in `webhook-signature` must be
 * HMAC-SHA256 under `secret` over `${webhook-id}.${webhook-timestamp}.${payload}`, and the timestamp within five
 * minutes. Pass the body exactly as received (a string or bytes, before any JSON parsing). Answers the parsed
 * event; throws `InvalidWebhookError`. Deduplicate on `webhook-id`: delivery is at least once.
 */
export async function verifyWebhook(payload, headers, secret, options = {}) {
    const id = header(headers, 'webhook-id');
    const timestamp = header(headers, 'webhook-timestamp');
    const signatures = header(headers, 'webhook-signature');
    if (!id || !timestamp || !signatures) {
        throw new InvalidWebhookError('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature are required.');
    }
    const seconds = Number(timestamp);
    const now = Math.floor((options.currentDate?.getTime() ?? Date.now()) / 1000);
    if (!/^\d+$/.test(timestamp) || Math.abs(now - seconds) > (options.toleranceSeconds ?? 300)) {
        throw new InvalidWebhookError('timestamp', 'The delivery is too old or from the future.');
    }
    const body = typeof payload === 'string' ? encoder.encode(payload) : new Uint8Array(payload);
    const signed = concat(encoder.encode(`${id}.${timestamp}.`), body);
    const key = await crypto.subtle.importKey('raw', secretBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'verify',
    ]);
    let valid = false;
    for (const entry of signatures.split(' ')) {
        const [version, mac] = entry.split(',', 2);
        if (version !== 'v1' || !mac)
            continue;
        const given = base64Bytes(mac);
        // subtle.verify compares in constant time.
        if (given && (await crypto.subtle.verify('HMAC', key, given, signed)))
            valid = true;
    }
    if (!valid)
        throw new InvalidWebhookError('signature', 'No signature of the delivery matches the secret.');
    try {
        return JSON.parse(new TextDecoder().decode(body));
    }
    catch {
        throw new InvalidWebhookError('payload', 'The delivery is not JSON.');
    }
}
function header(headers, name) {
    if (typeof headers.get === 'function')
        return headers.get(name) ?? undefined;
    const value = headers[name];
    return typeof value === 'string' ? value : value?.[0];
}
function secretBytes(secret) {
    const bytes = base64Bytes(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
    if (!bytes || bytes.length === 0)
        throw new TypeError('verifyWebhook: the secret is not a whsec_ secret');
    return bytes;
}
function base64Bytes(text) {
    try {
        const binary = atob(text);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++)
            bytes[i] = binary.charCodeAt(i);
        return bytes;
    }
    catch {
        return undefined;
    }
}
function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
}
