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
 * Requests in a look, at most, for it to count as quiet by its requests (when the collector is told them): health
 * checks and scrapes, not a load.
 */
const QUIET_REQUESTS = 2
/**
 * With that few requests, a look is quiet while the event loop is busy less than this share. The server's own
 * timers (the channel-fallback sweep, the webhook dispatcher's and the revocation poll's reads, the WAL watch,
 * metrics' event-loop monitor) keep an idle loop busy 1–2% of the time on a fast machine and 4–6% on a slow or
 * shared one, where the bare utilization test never found the server quiet. A backlog worked off with no
 * request (webhooks, a prune pass) is still work.
 */
const QUIET_UTILIZATION_WITHOUT_REQUESTS = 0.2
/** Quiet looks in a row before collecting: long enough that a gap within a load is not taken for its end. */
const QUIET_LOOKS = 6
/**
 * Node 20's V8 gives the young generation back in a full collection only if it measures a low allocation
 * rate over the last five seconds, and it measures the old generation's from the full collection before:
 * after a load that is everything the load promoted, so the first collection of a quiet spell often keeps all
 * 32 MB (about one bench run in three; at start-up, most times). A second one five quiet looks later finds
 * nothing allocated since the first, and gives it back. These are its conditions: more than YOUNG_KEPT_BYTES
 * of the young generation unused after the first, and the spell still quiet.
 */
const LOOKS_BEFORE_RETRY = 5
const YOUNG_KEPT_BYTES = 8 * 1024 * 1024
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
  /** Of those, the young generation's. */
  readonly youngSlackBytes: number
}

export interface IdleCollectorOptions {
  readonly intervalMs?: number
  /** A full garbage collection (default: V8's own, see v8FullCollection). */
  readonly collect?: () => void
  readonly heap?: () => HeapFigures
  /** The event loop's busy and idle milliseconds so far (default: performance.eventLoopUtilization). */
  readonly loop?: () => { readonly active: number; readonly idle: number }
  /**
   * Requests the server has answered so far. Told them, the collector also takes a look with at most
   * QUIET_REQUESTS of them for quiet on a machine where the server's own timers keep the loop over
   * QUIET_UTILIZATION (see QUIET_UTILIZATION_WITHOUT_REQUESTS).
   */
  readonly requests?: () => number
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
 * full collection, and runs none while nothing is allocated. So once the event loop has been quiet (nearly idle,
 * or serving a request or two a second) for six looks (seconds) in a row, after a second of work since the last
 * collection, with 16 MB more held unused than that collection left, this runs one (when no request is waiting),
 * and a second one five quiet looks later if V8 kept the young generation's size in the first. It never runs
 * under load.
 */
export function startIdleCollector(options: IdleCollectorOptions = {}): IdleCollector {
  const collect = options.collect ?? v8FullCollection()
  const heap = options.heap ?? heapFigures
  const loop = options.loop ?? (() => performance.eventLoopUtilization())
  const requests = options.requests
  let lastRequests = requests?.() ?? 0
  // What the process did before its first look (loading, migrating) counts as work: the first quiet spell
  // gives back what starting up left committed.
  let workMs = WORK_MS
  let quietLooks = 0
  /** What the last collection left unused, or less if V8 has since given back more itself. */
  let slackLeft = 0
  /** The last look's collection: its own pause, and whether it was a second one (see LOOKS_BEFORE_RETRY). */
  let collected: { readonly pauseMs: number; readonly retry: boolean; readonly atLook: number } | undefined
  /** The quiet look at which to run a second collection, or 0 for none. */
  let retryAt = 0
  let last = loop()
  const run = (retry: boolean): true => {
    const started = performance.now()
    collect()
    collected = { pauseMs: performance.now() - started, retry, atLook: quietLooks }
    workMs = 0
    return true
  }
  const collector: IdleCollector = {
    look() {
      const now = loop()
      // The last look's own collection is not work, nor the end of a quiet spell.
      const active = Math.max(0, now.active - last.active - (collected?.pauseMs ?? 0))
      const total = now.active - last.active + (now.idle - last.idle)
      last = now
      const { slackBytes: slack, youngSlackBytes } = heap()
      // Read a look after the collection: V8 unmaps the pages it freed after it, not in it.
      slackLeft = collected ? slack : Math.min(slackLeft, slack)
      if (collected && !collected.retry && youngSlackBytes > YOUNG_KEPT_BYTES) {
        retryAt = collected.atLook + LOOKS_BEFORE_RETRY
      }
      collected = undefined
      workMs += active
      const served = requests?.() ?? 0
      const fewRequests = requests !== undefined && served - lastRequests <= QUIET_REQUESTS
      lastRequests = served
      const quietShare = fewRequests ? QUIET_UTILIZATION_WITHOUT_REQUESTS : QUIET_UTILIZATION
      if (total <= 0 || active / total >= quietShare) {
        quietLooks = 0
        retryAt = 0
        return false
      }
      quietLooks++
      if (retryAt > 0) {
        if (quietLooks < retryAt) return false
        retryAt = 0
        return run(true)
      }
      if (quietLooks < QUIET_LOOKS || workMs < WORK_MS) return false
      if (slack - slackLeft < MIN_SLACK_BYTES) return false
      return run(false)
    },
    stop() {
      clearInterval(timer)
    },
  }
  const timer = setInterval(() => collector.look(), options.intervalMs ?? INTERVAL_MS)
  timer.unref()
  return collector
}

/** The young and old generations' committed bytes not in use, and the young one's alone. */
export function heapFigures(): HeapFigures {
  let slackBytes = 0
  let youngSlackBytes = 0
  for (const space of getHeapSpaceStatistics()) {
    const unused = space.space_size - space.space_used_size
    if (space.space_name === 'new_space') youngSlackBytes = unused
    if (space.space_name === 'new_space' || space.space_name === 'old_space') slackBytes += unused
  }
  return { slackBytes, youngSlackBytes }
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
    // reads those options otherwise, and gets the plain full collection (see LOOKS_BEFORE_RETRY).
    const options =
      Number(process.versions.v8.split('.')[0]) >= 13 ? { type: 'major', flavor: 'last-resort' } : undefined
    return () => (gc as (options?: object) => void)(options)
  } catch {
    return () => undefined
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
}
