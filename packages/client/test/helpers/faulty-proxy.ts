import { createServer, request as forward, type Server } from 'node:http'

/**
 * What the proxy does with one request (per request, not per connection: clients keep connections alive):
 * - `pass`: forwards it and its answer;
 * - `cut-after-send`: forwards the request, then cuts both connections at once (the answer is lost, and the
 *   server may still be working on it);
 * - `cut-after-answer`: forwards the request, waits for the whole answer, then cuts the client's connection
 *   (the server finished; the client never hears it);
 * - `hang`: takes the request and never answers;
 * - `status:503`, `status:429`: answers that status itself, in Tessera's error shape, without forwarding.
 */
export type RequestPlan = 'pass' | 'cut-after-send' | 'cut-after-answer' | 'hang' | 'status:503' | 'status:429'

export interface FaultyProxy {
  readonly url: string
  /** Plans for the next requests, in order; once used up, every request passes. */
  plan(...plans: RequestPlan[]): void
  /** Forgets plans left over. */
  reset(): void
  /** Requests received so far. */
  readonly requests: number
  close(): Promise<void>
}

/** An HTTP proxy on 127.0.0.1:0 in front of `target` that fails requests as planned. */
export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const { hostname, port } = new URL(target)
  const plans: RequestPlan[] = []
  let requests = 0
  const server: Server = createServer((incoming, outgoing) => {
    requests++
    const plan = plans.shift() ?? 'pass'
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      if (plan === 'hang') return
      if (plan === 'status:503' || plan === 'status:429') {
        const body =
          plan === 'status:503'
            ? { error: 'service_unavailable', error_code: 5003, error_description: 'Down for a moment.' }
            : { error: 'rate_limited', error_code: 4029, error_description: 'Slow down.', retry_after: 1 }
        outgoing.writeHead(plan === 'status:503' ? 503 : 429, { 'content-type': 'application/json' })
        outgoing.end(JSON.stringify(body))
        return
      }
      const upstream = forward(
        { host: hostname, port: Number(port), method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          const body: Buffer[] = []
          answer.on('data', (chunk: Buffer) => body.push(chunk))
          answer.on('end', () => {
            if (plan === 'cut-after-answer') {
              incoming.socket.destroy()
              return
            }
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
            outgoing.end(Buffer.concat(body))
          })
        },
      )
      upstream.on('error', () => incoming.socket.destroy())
      upstream.end(Buffer.concat(chunks), () => {
        if (plan !== 'cut-after-send') return
        // The request's bytes are on their way: cut both sides.
        upstream.destroy()
        incoming.socket.destroy()
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    plan: (...next) => {
      plans.push(...next)
    },
    reset: () => {
      plans.length = 0
    },
    get requests() {
      return requests
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
