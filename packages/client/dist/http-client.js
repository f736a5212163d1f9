import { ConnectionError, errorFromResponse, TimeoutError } from './errors.js';
const DEFAULTS = {
    maxRetries: 2,
    timeoutMs: 30_000,
    initialRetryDelayMs: 500,
    maxRetryDelayMs: 8_000,
    maxRetryAfterSeconds: 10,
};
/**
 * JSON over fetch with Tessera's bearer key, retries and timeouts. A try is retried only when doing it again is
 * safe: the server refused it without acting (503, 429, 409 `request_in_progress`), or it got no answer and
 * either reads (GET) or carries an Idempotency-Key. A check or a consume that lost its answer is not retried:
 * it may have succeeded, and a second try would fail where the first won.
 */
export function createHttpClient(options, bearer) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    const settings = { ...DEFAULTS, ...withoutUndefined(options) };
    const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    return {
        async request(request, call = {}) {
            const maxRetries = call.maxRetries ?? settings.maxRetries;
            const timeoutMs = call.timeoutMs ?? settings.timeoutMs;
            const idempotencyKey = request.idempotent ? (call.idempotencyKey ?? globalThis.crypto.randomUUID()) : undefined;
            const replayable = request.method === 'GET' || idempotencyKey !== undefined;
            const headers = { accept: 'application/json', authorization: `Bearer ${bearer}` };
            for (const [name, value] of Object.entries(request.headers ?? {}))
                if (value !== undefined)
                    headers[name] = value;
            Object.assign(headers, call.headers);
            if (idempotencyKey !== undefined)
                headers['idempotency-key'] = idempotencyKey;
            const body = request.body === undefined ? undefined : JSON.stringify(request.body);
            if (body !== undefined)
                headers['content-type'] = 'application/json';
            const url = baseUrl + request.path + queryString(request.query);
            for (let attempt = 0;; attempt++) {
                const mayRetry = attempt < maxRetries;
                let failure;
                try {
                    const answer = await fetchWithTimeout(fetchFn, url, { method: request.method, headers, body }, timeoutMs, call.signal);
                    if (answer.status >= 200 && answer.status < 300)
                        return answer.body;
                    failure = errorFromResponse(answer.status, asObject(answer.body, answer.status), answer.retryAfter, answer.requestId);
                    const wait = mayRetry ? retryDelay(failure, attempt, settings) : undefined;
                    if (wait === undefined)
                        throw failure;
                    await sleep(wait, call.signal);
                    continue;
                }
                catch (error) {
                    if (!(error instanceof ConnectionError))
                        throw error;
                    failure = error;
                }
                // No answer: retry only what is safe to send again.
                if (!mayRetry || !replayable || call.signal?.aborted)
                    throw failure;
                await sleep(backoff(attempt, settings), call.signal);
            }
        },
    };
}
async function fetchWithTimeout(fetchFn, url, init, timeoutMs, signal) {
    if (signal?.aborted)
        throw signal.reason;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
        const response = await fetchFn(url, { ...init, signal: controller.signal });
        const text = await response.text();
        const retryAfterHeader = response.headers.get('retry-after');
        return {
            status: response.status,
            body: parseJson(text),
            retryAfter: retryAfterHeader === null || Number.isNaN(Number(retryAfterHeader)) ? undefined : Number(retryAfterHeader),
            requestId: response.headers.get('x-request-id') ?? undefined,
        };
    }
    catch (error) {
        // The caller's own abort is theirs to handle; everything else is a request that got no answer.
        if (signal?.aborted)
            throw signal.reason ?? error;
        if (timedOut) {
            throw new TimeoutError({
                status: 0,
                body: { error: 'timeout', error_code: 0, error_description: `No answer within ${timeoutMs} ms.` },
                cause: error,
            });
        }
        throw new ConnectionError({
            status: 0,
            body: {
                error: 'connection_error',
                error_code: 0,
                error_description: `Could not reach Tessera: ${error instanceof Error ? error.message : String(error)}`,
            },
            cause: error,
        });
    }
    finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
    }
}
/** Milliseconds to wait before retrying this error answer, or undefined when it is not worth retrying. */
function retryDelay(error, attempt, settings) {
    if (error.status === 503)
        return Math.max(backoff(attempt, settings), (error.retryAfter ?? 0) * 1000);
    if (error.error === 'request_in_progress')
        return Math.max(backoff(attempt, settings), (error.retryAfter ?? 0) * 1000);
    if (error.status === 429 && error.retryAfter !== undefined && error.retryAfter <= settings.maxRetryAfterSeconds) {
        // The server's own wait, plus a little jitter so clients refused together do not return together.
        return error.retryAfter * 1000 + Math.random() * Math.min(1000, settings.initialRetryDelayMs);
    }
    return undefined;
}
/** Exponential backoff with jitter: half the step fixed, half random ("equal jitter"). */
function backoff(attempt, settings) {
    const step = Math.min(settings.maxRetryDelayMs, settings.initialRetryDelayMs * 2 ** attempt);
    return step / 2 + Math.random() * (step / 2);
}
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(signal.reason);
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
function parseJson(text) {
    if (text === '')
        return undefined;
    try {
        return JSON.parse(text);
    }
    catch {
        return text;
    }
}
function asObject(body, status) {
    if (typeof body === 'object' && body !== null && !Array.isArray(body))
        return body;
    // Not Tessera's shape (a proxy's HTML page, say): still one error, named after the status.
    return {
        error: `http_${status}`,
        error_code: 0,
        error_description: typeof body === 'string' ? body.slice(0, 200) : '',
    };
}
function queryString(query) {
    if (!query)
        return '';
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
        if (value !== undefined)
            params.set(name, String(value));
    const text = params.toString();
    return text === '' ? '' : `?${text}`;
}
function withoutUndefined(value) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
/** Encodes one path parameter. */
export function segment(value) {
    return encodeURIComponent(value);
}
