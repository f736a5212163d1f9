// One open-loop run: requests leave on a fixed schedule (rate × elapsed time),
// whatever earlier answers did, each with its own body, over a keep-alive
// agent with enough sockets that a slow answer never holds back the next
// request. autocannon's closed loop (a connection sends its next request when
// its last answer came back) hides stalls: while the server stalls, nothing is
// sent, so the stall counts once instead of for every request it delayed.

import { Agent, request } from 'node:http'
import { percentile } from './load.js'

export interface OpenLoopSpec {
  readonly title: string
  readonly url: string
  /** Several servers: request i goes to urls[i % urls.length] (else every request goes to `url`). */
  readonly urls?: readonly string[]
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  /** The body of the i-th request (0 ≤ i < count). */
  readonly body: (i: number) => string
  /** Requests per second offered. */
  readonly rate: number
  readonly count: number
  /** The one status every answer must have; anything else is an error. */
  readonly expectStatus: number
  /** Sockets the agent may open (default 512): the most requests in flight at once. */
  readonly sockets?: number
}

export interface OpenLoopResult {
  readonly title: string
  /** Offered rate, requests per second. */
  readonly rate: number
  readonly count: number
  /** Answers per second, first send to last answer. */
  readonly achievedRate: number
  readonly seconds: number
  /**
   * Milliseconds from each request's departure to its whole answer. Departures follow the schedule to within
   * the client's timer tick (about 1 ms; `maxSendLagMs` says how late the latest one was), and time a request
   * waits for a free socket counts.
   */
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  /** Answers with another status, plus connection errors. */
  readonly errors: number
  readonly statuses: Readonly<Record<string, number>>
  /** How late the client itself sent its latest request against the schedule, ms (its own stalls). */
  readonly maxSendLagMs: number
  /** First send to last answer, monotonic microseconds (the clock V8's profiles use). */
  readonly windowUs: readonly [number, number]
}

/** Sends on a 1 ms timer tick every request whose departure time has come. */
export function runOpenLoop(spec: OpenLoopSpec): Promise<OpenLoopResult> {
  const sockets = spec.sockets ?? 512
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets })
  const targets = (spec.urls && spec.urls.length > 0 ? spec.urls : [spec.url]).map((url) => new URL(spec.path, url))
  const latencies = new Float64Array(spec.count)
  const statuses: Record<string, number> = {}
  let unexpected = 0
  let answered = 0
  let sent = 0
  let maxSendLagNs = 0
  const intervalNs = 1e9 / spec.rate
  const started = process.hrtime.bigint()
  let lastAnswer = started

  return new Promise((done) => {
    const finish = () => {
      agent.destroy()
      const seconds = Number(lastAnswer - started) / 1e9
      const sorted = latencies.sort()
      done({
        title: spec.title,
        rate: spec.rate,
        count: spec.count,
        achievedRate: spec.count / seconds,
        seconds,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        p999: percentile(sorted, 99.9),
        max: sorted[sorted.length - 1] ?? Number.NaN,
        errors: unexpected,
        statuses,
        maxSendLagMs: maxSendLagNs / 1e6,
        windowUs: [Number(started / 1000n), Number(lastAnswer / 1000n)],
      })
    }
    const settle = (i: number, departedNs: bigint, status: string) => {
      const now = process.hrtime.bigint()
      lastAnswer = now
      latencies[i] = Number(now - departedNs) / 1e6
      statuses[status] = (statuses[status] ?? 0) + 1
      if (status !== String(spec.expectStatus)) unexpected++
      if (++answered === spec.count) finish()
    }
    const send = (i: number) => {
      const payload = spec.body(i)
      const departedNs = process.hrtime.bigint()
      const req = request(
        targets[i % targets.length] as URL,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(payload)),
            ...spec.headers,
          },
        },
        (res) => {
          res.on('data', () => undefined)
          res.on('end', () => settle(i, departedNs, String(res.statusCode ?? 0)))
          res.on('error', () => settle(i, departedNs, 'error'))
        },
      )
      req.on('error', () => settle(i, departedNs, 'error'))
      req.end(payload)
    }
    const tick = () => {
      const elapsedNs = Number(process.hrtime.bigint() - started)
      while (sent < spec.count && sent * intervalNs <= elapsedNs) {
        maxSendLagNs = Math.max(maxSendLagNs, elapsedNs - sent * intervalNs)
        send(sent++)
      }
      if (sent < spec.count) setTimeout(tick, 1)
    }
    if (spec.count === 0) finish()
    else tick()
  })
}
