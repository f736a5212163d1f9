/** One HTTP try of a webhook: what the endpoint answered, or why it did not. */
export interface WebhookResponse {
  /** The HTTP status; undefined when no answer came. */
  readonly status?: number | undefined
  /** Why the try failed without an answer (`timeout`, a connection error's code). */
  readonly error?: string | undefined
  readonly latencyMs: number
}

/** POSTs a signed body; never throws (a failure is an answer too). */
export type WebhookSender = (request: {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly timeoutMs: number
  /** Aborts the try (the process is shutting down). */
  readonly signal?: AbortSignal | undefined
}) => Promise<WebhookResponse>

/** Bodies read from an endpoint's answer at most (the answer is ignored, but the connection is drained). */
const MAX_ANSWER_BYTES = 64 * 1024

/** The sender over Node's fetch: no redirects followed (a 3xx is not a delivery), the answer drained and dropped. */
export function createFetchWebhookSender(userAgent: string): WebhookSender {
  return async ({ url, headers, body, timeoutMs, signal }) => {
    const started = performance.now()
    const latency = () => Math.round(performance.now() - started)
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': userAgent, ...headers },
        body,
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      })
      const reader = response.body?.getReader()
      let read = 0
      while (reader && read < MAX_ANSWER_BYTES) {
        const chunk = await reader.read()
        if (chunk.done) break
        read += chunk.value.byteLength
      }
      await reader?.cancel().catch(() => undefined)
      return { status: response.status, latencyMs: latency() }
    } catch (error) {
      return { error: signal?.aborted ? 'aborted' : describeFailure(error), latencyMs: latency() }
    }
  }
}

/** A short, secret-free reason: the URL and body are never part of it. */
function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout'
    const cause = (error as { cause?: { code?: unknown } }).cause
    if (cause && typeof cause.code === 'string') return cause.code
    return error.name
  }
  return 'error'
}
