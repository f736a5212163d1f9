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
    response = await fetch(url, { ...init, redirect: 'error' })
  } catch (error) {
    const timedOut = init.signal.aborted
    throw new DeliveryError(timedOut ? 'provider did not answer in time' : 'provider request failed', {
      code: timedOut ? 'timeout' : 'network',
      cause: error,
    })
  }
  let text: string
  try {
    const buffer = await response.arrayBuffer()
    text = Buffer.from(buffer.byteLength > MAX_RESPONSE_BYTES ? buffer.slice(0, MAX_RESPONSE_BYTES) : buffer).toString(
      'utf8',
    )
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
