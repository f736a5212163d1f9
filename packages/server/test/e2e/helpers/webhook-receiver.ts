import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The body exactly as received (the signature covers these bytes). */
  readonly rawBody: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown
  readonly receivedAt: number
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT/sms` */
  readonly url: string
  readonly requests: readonly ReceivedRequest[]
  /** Status code of the answers from now on (default 200). */
  status: number
  /** Milliseconds to hold each answer (default 0). */
  delayMs: number
  /** When set, the status of each answer, decided per request (overrides `status`). */
  statusFor: ((request: ReceivedRequest) => number) | undefined
  /** The next request not yet taken, waiting up to `timeoutMs`. */
  nextRequest(timeoutMs?: number): Promise<ReceivedRequest>
  close(): Promise<void>
}

/** A node:http endpoint that records every request and answers as configured. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = []
  let takenUpTo = 0
  const waiters: ((request: ReceivedRequest) => void)[] = []
  const timers = new Set<NodeJS.Timeout>()

  let port = 0
  const receiver: WebhookReceiver = {
    get url() {
      return `http://127.0.0.1:${port}/sms`
    },
    requests,
    status: 200,
    delayMs: 0,
    statusFor: undefined,
    nextRequest(timeoutMs = 10_000) {
      const ready = requests[takenUpTo]
      if (ready) {
        takenUpTo++
        return Promise.resolve(ready)
      }
      return new Promise((resolve, reject) => {
        const waiter = (request: ReceivedRequest) => {
          clearTimeout(timer)
          resolve(request)
        }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1)
          reject(new Error(`no webhook request within ${timeoutMs} ms`))
        }, timeoutMs)
        waiters.push(waiter)
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close(() => resolve())
        // Held answers (delay tests) would keep close() waiting.
        server.closeAllConnections()
      }),
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8')
      let json: unknown
      try {
        json = JSON.parse(rawBody)
      } catch {
        json = undefined
      }
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody,
        json,
        receivedAt: Date.now(),
      }
      requests.push(request)
      const waiter = waiters.shift()
      if (waiter) {
        takenUpTo++
        waiter(request)
      }
      const { delayMs } = receiver
      const status = receiver.statusFor ? receiver.statusFor(request) : receiver.status
      const answer = () => {
        if (res.destroyed) return
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ ok: status < 300 }))
      }
      if (delayMs <= 0) return answer()
      const timer = setTimeout(() => {
        timers.delete(timer)
        answer()
      }, delayMs)
      timers.add(timer)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return receiver
}
