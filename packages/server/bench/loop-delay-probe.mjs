// Preloaded into a server the bench starts (`node --import <this file> …`), so
// that the server carries no bench-only code: it watches the event loop with
// perf_hooks.monitorEventLoopDelay and, on SIGUSR2, prints what it saw since
// the last SIGUSR2 as one line (`tessera-bench-loop-delay {json}`, milliseconds)
// on standard error, then starts over; the line also says where the process's memory is and what the garbage
// collector paused it for. It can also count the server's PostgreSQL queries (below).
import { createRequire } from 'node:module'
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'

// 1 ms: the finest the timer allows. Each sample is the time between two ticks of a 1 ms timer, so an idle
// loop reads about 1 ms; the figures printed are the delay beyond that (the sample less the resolution).
const RESOLUTION_MS = 1
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
histogram.enable()
let since = process.hrtime.bigint()

// The garbage collector's pauses of the main thread, by kind: [count, total ms, longest ms]. Scavenges empty the
// young generation; major GCs are mark-compacts (their incremental marking steps are counted apart).
const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
}
const emptyGc = () => ({ scavenge: [0, 0, 0], major: [0, 0, 0], incremental: [0, 0, 0], weak: [0, 0, 0] })
let gc = emptyGc()
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const tally = gc[GC_KINDS[entry.detail?.kind] ?? 'weak']
    tally[0]++
    tally[1] += entry.duration
    tally[2] = Math.max(tally[2], entry.duration)
  }
}).observe({ entryTypes: ['gc'] })

// With TESSERA_BENCH_COUNT_QUERIES=1 (the bench's --db postgres), every query the server sends to
// PostgreSQL is counted, and the transactions they make (a BEGIN … COMMIT, or a query outside one):
// node-postgres resolved from here is the module the server loads (one CommonJS cache), so wrapping
// its Client.query counts the server's round trips without touching the server.
let queries = 0
let transactions = 0
if (process.env.TESSERA_BENCH_COUNT_QUERIES === '1') {
  const pg = createRequire(import.meta.url)('pg')
  const query = pg.Client.prototype.query
  const inTransaction = new WeakSet()
  pg.Client.prototype.query = function countedQuery(...args) {
    queries++
    const first = args[0]
    const text = (typeof first === 'string' ? first : (first?.text ?? '')).trimStart().slice(0, 16).toLowerCase()
    if (text.startsWith('begin') || text.startsWith('start transaction')) {
      transactions++
      inTransaction.add(this)
    } else if (text.startsWith('commit') || text.startsWith('rollback')) {
      if (!text.startsWith('rollback to')) inTransaction.delete(this)
    } else if (!inTransaction.has(this)) {
      transactions++
    }
    return query.apply(this, args)
  }
}

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
    queries,
    transactions,
    gc,
    // Where the RSS is (bytes): V8's heap as committed and as used, per space, and memory outside it.
    memory: {
      ...process.memoryUsage(),
      spaces: Object.fromEntries(
        getHeapSpaceStatistics().map((space) => [space.space_name, [space.space_size, space.space_used_size]]),
      ),
    },
  }
  histogram.reset()
  gc = emptyGc()
  queries = 0
  transactions = 0
  since = now
  process.stderr.write(`tessera-bench-loop-delay ${JSON.stringify(snapshot)}\n`)
})
