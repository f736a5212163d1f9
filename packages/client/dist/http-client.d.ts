/** How the client talks to Tessera; every field but `baseUrl` has a default. */
export interface HttpClientOptions {
    /** Where Tessera answers, e.g. `https://verify.example.com` (no trailing path). */
    readonly baseUrl: string;
    /** Retries after the first try (network errors, 503, 429 with `retry_after`, 409 `request_in_progress`). Default 2. */
    readonly maxRetries?: number;
    /** Per try, until the answer's body is read. Default 30 000. */
    readonly timeoutMs?: number;
    /** The first retry waits about this long, each next one twice as long (with jitter). Default 500. */
    readonly initialRetryDelayMs?: number;
    /** No wait between tries is longer than this. Default 8 000. */
    readonly maxRetryDelayMs?: number;
    /** A 429 whose `retry_after` is longer than this is answered as an error at once, not waited for. Default 10. */
    readonly maxRetryAfterSeconds?: number;
    /** The fetch to use (a test double, an instrumented fetch). Default: the runtime's global fetch. */
    readonly fetch?: typeof fetch;
}
/** Options of one call; each overrides the client's. */
export interface RequestOptions {
    /** 0 turns retries off for this call. */
    readonly maxRetries?: number;
    readonly timeoutMs?: number;
    /**
     * For the calls that send or create (starts, resends, sessions, binds, challenges), the client makes one
     * per call and keeps it over retries; pass your own to make a retry of your own safe as well.
     */
    readonly idempotencyKey?: string;
    /** Cancels the call (no retry follows). */
    readonly signal?: AbortSignal;
    /** Extra request headers. */
    readonly headers?: Readonly<Record<string, string>>;
}
export interface Request {
    readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    /** Path with its parameters already encoded, e.g. `/v1/verifications/ver_1`. */
    readonly path: string;
    readonly body?: unknown;
    readonly query?: Readonly<Record<string, string | number | undefined>>;
    readonly headers?: Readonly<Record<string, string | undefined>>;
    /** Carries an Idempotency-Key (made here unless the caller gave one): safe to retry after a lost answer. */
    readonly idempotent?: boolean;
}
export interface HttpClient {
    request<T>(request: Request, options?: RequestOptions): Promise<T>;
}
/**
 * JSON over fetch with Tessera's bearer key, retries and timeouts. A try is retried only when doing it again is
 * safe: the server refused it without acting (503, 429, 409 `request_in_progress`), or it got no answer and
 * either reads (GET) or carries an Idempotency-Key. A check or a consume that lost its answer is not retried:
 * it may have succeeded, and a second try would fail where the first won.
 */
export declare function createHttpClient(options: HttpClientOptions, bearer: string): HttpClient;
/** Encodes one path parameter. */
export declare function segment(value: string): string;
