// Preloaded into a server the bench starts (`node --import <this file> …`), so
// that the server carries no bench-only code: it watches the event loop with
// perf_hooks.monitorEventLoopDelay and, on SIGUSR2, prints what it saw since
// the last SIGUSR2 as one line (`tessera-bench-loop-delay {json}`, milliseconds)
// on standard error, then starts over.
import { monitorEventLoopDelay } from 'node:perf_hooks'

// 1 ms: the finest the timer allows. Each sample is the time between two ticks of a 1 ms timer, so an idle
// loop reads about 1 ms; the figures printed are the delay beyond that (the sample less the resolution).
const RESOLUTION_MS = 1
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
histogram.enable()
let since = process.hrtime.bigint()

process.on('SIGUSR2', () => {
  const ms = (ns) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : null)
  const now = process.hrtime.bigint()
  const snapshot = {
    seconds: Number(now - since) / 1e9,
    samples: histogram.count,
    mean: ms(histogram.mean),
    p50: ms(histogram.percentile(50)),
    p90: ms(histogram.percentile(90)),
    p99: ms(histogram.percentile(99)),
    p999: ms(histogram.percentile(99.9)),
    max: ms(histogram.max),
  }
  histogram.reset()
  since = now
  process.stderr.write(`tessera-bench-loop-delay ${JSON.stringify(snapshot)}\n`)
})
