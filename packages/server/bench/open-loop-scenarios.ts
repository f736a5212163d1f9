// The open-loop latency runs (issue 21): start, verify-ok and token-verify at
// fixed fractions of the capacity the closed-loop run of the same scenario
// measured (or the one --open-capacity gives), with the server's event-loop delay over the same window; then bare
// Fastify at the same rates, as the floor.

import { randomBytes } from 'node:crypto'
import { type OpenLoopResult, runOpenLoop } from './open-loop.js'
import type { BenchOptions } from './options.js'
import { type LoopDelay, type RunningServer, readLoopDelay } from './processes.js'
import {
  type BenchApp,
  type Context,
  CUSTOM_CODE,
  issueTokens,
  type ScenarioOutcome,
  startVerifications,
  type TesseraServer,
  timedPrep,
} from './tessera.js'

export const OPEN_LOOP_SCENARIOS = ['start', 'verify-ok', 'token-verify'] as const
/** Fractions of the measured capacity offered. */
export const OPEN_LOOP_FRACTIONS = [0.25, 0.5] as const

export interface OpenLoopRun {
  readonly result: OpenLoopResult
  /** The server's event-loop delay over the run; undefined when the probe did not answer. */
  readonly loopDelay: LoopDelay | undefined
}

export interface OpenLoopOutcome {
  readonly scenario: string
  readonly fraction: number
  readonly tessera: OpenLoopRun
  /** Bare Fastify at the same rate, filled in once it has run. */
  floor?: OpenLoopRun
}

/** Requests in a run at `rate` for the configured seconds (at least 20, so that percentiles mean something). */
function countAt(options: BenchOptions, rate: number): number {
  return Math.max(20, Math.round(rate * options.openSeconds))
}

/** Runs one open-loop window and reads the event-loop delay over exactly that window. */
export async function timedOpenLoop(
  server: RunningServer,
  spec: Parameters<typeof runOpenLoop>[0],
): Promise<OpenLoopRun> {
  await readLoopDelay(server) // starts the probe's window now
  const result = await runOpenLoop(spec)
  const loopDelay = await readLoopDelay(server)
  return { result, loopDelay }
}

export async function runOpenLoopScenarios(
  options: BenchOptions,
  server: TesseraServer,
  app: BenchApp,
  closed: readonly ScenarioOutcome[],
  log: (line: string) => void,
): Promise<OpenLoopOutcome[]> {
  const outcomes: OpenLoopOutcome[] = []
  for (const scenario of OPEN_LOOP_SCENARIOS) {
    const capacity = options.openCapacity[scenario] ?? closed.find((o) => o.name === scenario)?.result?.rps
    if (!capacity) continue
    for (const fraction of OPEN_LOOP_FRACTIONS) {
      const rate = Math.max(1, Math.round(capacity * fraction))
      const count = countAt(options, rate)
      const urls = server.instances.map((instance) => instance.url)
      const ctx: Context = {
        options,
        server,
        urls,
        instances: server.instances,
        app,
        tag: randomBytes(4).toString('hex'),
        log,
      }
      let path: string
      let expectStatus = 200
      let body: (i: number) => string
      if (scenario === 'start') {
        path = '/v1/verifications'
        expectStatus = 201
        body = (i) =>
          JSON.stringify({ channel: 'email', to: `open-${ctx.tag}-${i}@bench.example`, custom_code: CUSTOM_CODE })
      } else if (scenario === 'verify-ok') {
        const ids = await timedPrep(ctx, `${count} verifications for open-loop verify-ok`, () =>
          startVerifications(ctx, count, 'open-verify'),
        )
        path = '/v1/verifications/verify'
        body = (i) => JSON.stringify({ verification_id: ids[i], verification_code: CUSTOM_CODE })
      } else {
        const tokens = await timedPrep(ctx, `${count} tokens for open-loop token-verify`, () => issueTokens(ctx, count))
        path = '/v1/tokens/verify'
        body = (i) => JSON.stringify({ verification_token: tokens[i] })
      }
      const title = `${scenario} open loop at ${rate} req/s (${fraction * 100}% of ${Math.round(capacity)})`
      log(`Tessera ${title}…`)
      // With several instances, the loop delay is the first one's (each gets its share of the rate).
      const run = await timedOpenLoop(server, {
        title,
        url: server.url,
        urls,
        path,
        headers: app.headers,
        body,
        rate,
        count,
        expectStatus,
      })
      log(`  ${describeRun(run)}`)
      outcomes.push({ scenario, fraction, tessera: run })
    }
  }
  return outcomes
}

/** Bare Fastify, already started and warmed, at every rate the Tessera runs offered. */
export async function runOpenLoopFloor(
  options: BenchOptions,
  server: RunningServer,
  headers: Readonly<Record<string, string>>,
  outcomes: readonly OpenLoopOutcome[],
  log: (line: string) => void,
): Promise<void> {
  let k = 0
  for (const outcome of outcomes) {
    const rate = outcome.tessera.result.rate
    const title = `bare Fastify open loop at ${rate} req/s`
    log(`${title}…`)
    outcome.floor = await timedOpenLoop(server, {
      title,
      url: server.url,
      path: '/v1/verifications',
      headers,
      body: () => JSON.stringify({ channel: 'email', to: `floor-${k++}@bench.example`, custom_code: CUSTOM_CODE }),
      rate,
      count: countAt(options, rate),
      expectStatus: 201,
    })
    log(`  ${describeRun(outcome.floor)}`)
  }
}

export function describeRun(run: OpenLoopRun): string {
  const r = run.result
  const loop = run.loopDelay
  return (
    `${r.count} requests: p50 ${r.p50.toFixed(2)}, p90 ${r.p90.toFixed(2)}, p99 ${r.p99.toFixed(2)}, ` +
    `p99.9 ${r.p999.toFixed(2)}, max ${r.max.toFixed(2)} ms; ${r.errors} errors` +
    (loop ? `; event-loop delay p99 ${loop.p99.toFixed(2)}, max ${loop.max.toFixed(2)} ms` : '') +
    (r.maxSendLagMs > 5 ? `; the client sent up to ${r.maxSendLagMs.toFixed(1)} ms late` : '')
  )
}
