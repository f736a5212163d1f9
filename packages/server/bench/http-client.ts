// A small keep-alive JSON client for setting things up outside the timed runs.

import { Agent, request } from 'node:http'

export interface JsonResponse {
  readonly status: number
  readonly body: unknown
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

export function postJson(
  url: string,
  path: string,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Promise<JsonResponse> {
  return send(url, 'POST', path, JSON.stringify(body), headers)
}

export function getJson(url: string, path: string, headers: Readonly<Record<string, string>> = {}) {
  return send(url, 'GET', path, undefined, headers)
}

export function patchJson(url: string, path: string, body: unknown, headers: Readonly<Record<string, string>> = {}) {
  return send(url, 'PATCH', path, JSON.stringify(body), headers)
}

function send(
  url: string,
  method: string,
  path: string,
  payload: string | undefined,
  headers: Readonly<Record<string, string>>,
): Promise<JsonResponse> {
  const target = new URL(path, url)
  return new Promise((done, fail) => {
    const req = request(
      target,
      {
        method,
        agent,
        headers: {
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: unknown = text
          try {
            parsed = text.length > 0 ? JSON.parse(text) : undefined
          } catch {
            // Not JSON: keep the text for the error message.
          }
          done({ status: res.statusCode ?? 0, body: parsed })
        })
        res.on('error', fail)
      },
    )
    req.on('error', fail)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

/** Maps `items` through `fn` with at most `concurrency` calls in flight, keeping the order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return results
}

export function describe(response: JsonResponse): string {
  return `${response.status} ${typeof response.body === 'string' ? response.body : JSON.stringify(response.body)}`
}

/** A field of a JSON object answer, or an error naming the answer. */
export function field(response: JsonResponse, name: string, what: string): string {
  const body = response.body
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined
  if (typeof value !== 'string') throw new Error(`${what}: expected "${name}" in the answer, got ${describe(response)}`)
  return value
}

export function closeClient(): void {
  agent.destroy()
}
