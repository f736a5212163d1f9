import { DeliveryError } from './delivery-provider.js'

export interface ProviderResponse {
  readonly status: number
  /** The parsed JSON body, or undefined when the body was not JSON. */
  readonly json: unknown
}

/** Bodies above this are not read: a provider's answer is small, a hostile endpoint's need not be. */
const MAX_RESPONSE_BYTES = 256 * 1024

/**
 * One request to a provider's API. Network failures, the chain's timeout
 * (the signal) and unreadable answers become `unavailable` DeliveryErrors, so
 * the chain moves on; the caller maps the provider's own error answers.
 * Redirects are refused: a signed request must not be replayed elsewhere.
 */
export async function providerRequest(
  url: string,
  init: RequestInit & { signal: AbortSignal },
): Promise<ProviderResponse> {
  let response: Response
  try {
    response = await fetch(url, Object.assign({}, init, { redirect: 'error' as const }))
  } catch (error) {
    const timedOut = init.signal.aborted
    throw new DeliveryError(timedOut ? 'provider did not answer in time' : 'provider request failed', {
      code: timedOut ? 'timeout' : 'network',
      cause: error,
    })
  }
  let text: string
  try {
    text = await readCapped(response)
  } catch (error) {
    throw new DeliveryError('provider answer could not be read', { code: 'network', cause: error })
  }
  let json: unknown
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: response.status, json }
}

/** The body as text, reading no further than MAX_RESPONSE_BYTES (the rest is cancelled, not downloaded). */
async function readCapped(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  while (size < MAX_RESPONSE_BYTES) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
  }
  if (size >= MAX_RESPONSE_BYTES) await reader.cancel().catch(() => undefined)
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8')
}

/** A field of a JSON object answer, as a string (providers mix numbers and strings). */
export function field(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const found = (value as Record<string, unknown>)[name]
  if (typeof found === 'string') return found
  if (typeof found === 'number') return String(found)
  return undefined
}

/** The phone number without its leading `+`, as Vonage and Aliyun want it. */
export function digitsOnly(e164: string): string {
  return e164.replace(/^\+/, '')
}
