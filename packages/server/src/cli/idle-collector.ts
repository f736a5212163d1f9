import { performance } from 'node:perf_hooks'
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** How often the collector looks. */
const INTERVAL_MS = 1000
/**
 * A look with the event loop busy less than this share of the time since the last one is quiet: health checks,
 * scrapes and timers are (the bench's 1 ms loop-delay probe alone is 1%), a hundred requests a second are not.
 */
const QUIET_UTILIZATION = 0.03
/**
 * Quiet looks in a row before collecting: long enough that a gap within a load is not taken for its end, and
 * for Node 20's plain full collection to shrink the young generation after starting up (it does so only once
 * the allocation rate of the last five seconds is low; after a load it keeps the size anyway).
 */
const QUIET_LOOKS = 6
/** Busy time of the event loop since the last collection that makes another worth its pause. */
const WORK_MS = 1000
/**
 * Memory held unused by the young and old generations, beyond what the last collection left unused (or less,
 * if V8 gave back more since), below which another gains too little. What a collection leaves is the baseline
 * because it is not always nothing: V8 keeps the young generation's size when allocation was recently high.
 */
const MIN_SLACK_BYTES = 16 * 1024 * 1024

export interface HeapFigures {
  /** Committed bytes of the young and old generations not in use: at most what a full collection gives back. */
  readonly slackBytes: number
}

export interface IdleCollectorOptions {
  readonly intervalMs?: number
  /** A full garbage collection (default: V8's own, see v8FullCollection). */
  readonly collect?: () => void
  readonly heap?: () => HeapFigures
  /** The event loop's busy and idle milliseconds so far (default: performance.eventLoopUtilization). */
  readonly loop?: () => { readonly active: number; readonly idle: number }
}

export interface IdleCollector {
  /** One look (the timer's; tests call it directly). Answers whether it collected. */
  look(): boolean
  stop(): void
}

/**
 * Gives memory back once the server goes quiet after work. Under load Tessera promotes almost nothing to V8's
 * old generation, so no full collection runs, and what a burst left committed stays: after a bench run the old
 * generation held 100 MB for 29 MB of objects and the young one 32 MB for none. V8 gives that back only in a
 * full collection, and runs none while nothing is allocated. So once the event loop has been quiet for six
 * looks (seconds) in a row, after a second of work since the last collection, with 16 MB more held unused
 * than that collection left, this runs one (when no request is waiting). It never runs under load.
 */
export function startIdleCollector(options: IdleCollectorOptions = {}): IdleCollector {
  const collect = options.collect ?? v8FullCollection()
  const heap = options.heap ?? heapFigures
  const loop = options.loop ?? (() => performance.eventLoopUtilization())
  // What the process did before its first look (loading, migrating) counts as work: the first quiet spell
  // gives back what starting up left committed.
  let workMs = WORK_MS
  let quietLooks = 0
  /** What the last collection left unused, or less if V8 has since given back more itself. */
  let slackLeft = 0
  let collected = false
  let last = loop()
  const collector: IdleCollector = {
    look() {
      const now = loop()
      const active = now.active - last.active
      const total = active + (now.idle - last.idle)
      last = now
      const slack = heap().slackBytes
      // Read a look after the collection: V8 unmaps the pages it freed after it, not in it.
      slackLeft = collected ? slack : Math.min(slackLeft, slack)
      collected = false
      workMs += active
      if (total <= 0 || active / total >= QUIET_UTILIZATION) {
        quietLooks = 0
        return false
      }
      quietLooks++
      if (quietLooks < QUIET_LOOKS || workMs < WORK_MS) return false
      if (slack - slackLeft < MIN_SLACK_BYTES) return false
      collect()
      workMs = 0
      collected = true
      return true
    },
    stop() {
      clearInterval(timer)
    },
  }
  const timer = setInterval(() => collector.look(), options.intervalMs ?? INTERVAL_MS)
  timer.unref()
  return collector
}

/** The young and old generations' committed bytes not in use. */
export function heapFigures(): HeapFigures {
  let slackBytes = 0
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space' || space.space_name === 'old_space') {
      slackBytes += space.space_size - space.space_used_size
    }
  }
  return { slackBytes }
}

/**
 * V8's full collection, as `gc()` does under --expose-gc, without the flag on the command line (where `npm
 * start` and every deployment would have to pass it). V8 gives `gc` to the contexts made while the flag is
 * set: set it, make one, take its `gc`, and unset it, so no later context (or library) finds one. A runtime
 * that gives none gets a collector that does nothing: memory is then given back as before, or not at all.
 */
export function v8FullCollection(): () => void {
  setFlagsFromString('--expose-gc')
  try {
    const gc: unknown = runInNewContext('gc')
    if (typeof gc !== 'function') return () => undefined
    // V8 13 (Node 24) takes a flavor: 'last-resort' is a collection that also gives back the young generation's
    // unused size, as V8's own memory reducer's do (a plain one keeps it after a load: 32 MB). V8 11 (Node 20)
    // reads those options otherwise, and gets the plain full collection.
    const options =
      Number(process.versions.v8.split('.')[0]) >= 13 ? { type: 'major', flavor: 'last-resort' } : undefined
    return () => (gc as (options?: object) => void)(options)
  } catch {
    return () => undefined
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
}
