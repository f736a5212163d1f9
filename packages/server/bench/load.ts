// One timed run: a fixed number of POSTs with autocannon, each with its own body.

import autocannon from 'autocannon'

export interface LoadSpec {
  readonly title: string
  readonly url: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  /** The body of the i-th request sent; called once per request built (a few more than `count`). */
  readonly body: (i: number) => string
  readonly count: number
  readonly connections: number
  /** The one status every answer must have; anything else is an error. */
  readonly expectStatus: number
}

export interface LoadResult {
  readonly title: string
  readonly count: number
  readonly seconds: number
  readonly rps: number
  /** Milliseconds, over every answer (expected or not). */
  readonly p50: number
  readonly p99: number
  /** Answers with another status, plus connection errors and timeouts. */
  readonly errors: number
  readonly statuses: Readonly<Record<string, number>>
  /** How many bodies were built (sent or not): the caller's data must cover this many. */
  readonly bodiesUsed: number
  /** The timed window on the monotonic clock (process.hrtime), microseconds: V8 CPU profiles use the same clock. */
  readonly windowUs: readonly [number, number]
  /** Every answer's latency, ms, sorted. */
  readonly latencies: Float64Array
}

export function percentile(sorted: Float64Array | readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}

/** Bodies autocannon may build beyond `count` (at most one per connection, when a request is retried). */
export function bodySlack(connections: number): number {
  return connections + 8
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let built = 0
  const latencies = new Float64Array(spec.count + bodySlack(spec.connections))
  let answered = 0
  const statuses: Record<string, number> = {}
  let unexpected = 0

  const options: autocannon.Options = {
    title: spec.title,
    url: new URL(spec.path, spec.url).href,
    method: 'POST',
    connections: spec.connections,
    amount: spec.count,
    timeout: 30,
    // autocannon notices the end at its next sample tick: keep that short (the rate is timed here, not by it).
    sampleInt: 50,
    headers: { 'content-type': 'application/json', ...spec.headers },
    requests: [
      {
        method: 'POST',
        path: spec.path,
        setupRequest: (request) => ({ ...request, body: spec.body(built++) }),
      },
    ],
  }
  let lastAnswer = 0n
  const started = process.hrtime.bigint()
  const result = await new Promise<autocannon.Result>((done, fail) => {
    const instance = autocannon(options, (error: unknown, finished) => (error ? fail(error) : done(finished)))
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (answered < latencies.length) latencies[answered] = responseTime
      answered++
      lastAnswer = process.hrtime.bigint()
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
      if (statusCode !== spec.expectStatus) unexpected++
    })
  })

  const measured = latencies.subarray(0, Math.min(answered, latencies.length)).sort()
  const completed = answered
  // From the first connection opened to the last answer: autocannon's own duration is rounded up to its next tick.
  const seconds = Number(lastAnswer - started) / 1e9
  return {
    title: spec.title,
    count: completed,
    seconds,
    rps: completed / seconds,
    p50: percentile(measured, 50),
    p99: percentile(measured, 99),
    errors: unexpected + result.errors + Math.max(0, spec.count - completed - result.errors),
    statuses,
    bodiesUsed: built,
    windowUs: [Number(started / 1000n), Number(lastAnswer / 1000n)],
    latencies: measured,
  }
}

/**
 * The same run spread over several servers: one autocannon per server, each with its share of the
 * requests and connections, at once; one result over all of them.
 */
export async function runLoadOn(urls: readonly string[], spec: LoadSpec): Promise<LoadResult> {
  if (urls.length <= 1) return runLoad({ ...spec, url: urls[0] ?? spec.url })
  const share = (total: number, i: number) => Math.floor(total / urls.length) + (i < total % urls.length ? 1 : 0)
  const parts = await Promise.all(
    urls.map((url, i) =>
      runLoad({ ...spec, url, count: share(spec.count, i), connections: Math.max(1, share(spec.connections, i)) }),
    ),
  )
  const started = Math.min(...parts.map((p) => p.windowUs[0]))
  const ended = Math.max(...parts.map((p) => p.windowUs[1]))
  const count = parts.reduce((n, p) => n + p.count, 0)
  const seconds = (ended - started) / 1e6
  const latencies = new Float64Array(parts.reduce((n, p) => n + p.latencies.length, 0))
  let at = 0
  for (const part of parts) {
    latencies.set(part.latencies, at)
    at += part.latencies.length
  }
  latencies.sort()
  const statuses: Record<string, number> = {}
  for (const part of parts) {
    for (const [status, n] of Object.entries(part.statuses)) statuses[status] = (statuses[status] ?? 0) + n
  }
  return {
    title: spec.title,
    count,
    seconds,
    rps: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    statuses,
    bodiesUsed: parts.reduce((n, p) => n + p.bodiesUsed, 0),
    windowUs: [started, ended],
    latencies,
  }
}
