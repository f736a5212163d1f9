import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'

/** How often the worker runs a PASSIVE checkpoint. */
export const CHECKPOINT_INTERVAL_MS = 200

/** How often the writer looks at the WAL file's size (one stat call), in case the worker's reports are late. */
const WATCH_INTERVAL_MS = 50

/** WAL file size, in resets' worth, past which the writer resets without the worker's report (a long pass). */
const WATCH_BACKSTOP_RESETS = 3

/** WAL file size, in resets' worth, that SQLite cuts a larger file back to when the WAL starts over. */
const KEPT_FILE_RESETS = 2

/**
 * WAL pages (4 kB each) past which the connection that writes finishes a checkpoint itself, between two
 * batches, so that the WAL starts over (see startWalCheckpointer): 64 MB.
 */
export const WAL_RESET_PAGES = 16_384

/**
 * Passes the worker runs, at most, after the one that found the WAL due for a reset. Each copies what was written
 * since the one before (CATCH_UP_PAUSE_MS and the pass itself), so they shrink fast unless writes outrun them.
 */
export const CATCH_UP_PASSES = 8

/** New frames, fewer than which a catch-up pass leaves to the writer: a few milliseconds' writes under load. */
export const FEW_FRAMES = 64

/**
 * The worker's pause between two catch-up passes. Back to back, the passes held the core that the worker shares
 * with the event loop (as when the server is pinned to one): in an earlier try, a verify-ok window at half of
 * capacity had a p99 of 253 ms (docs/benchmarks.md). Paused, each pass still has only the few milliseconds
 * before it to copy.
 */
const CATCH_UP_PAUSE_MS = 5

/** SQLite's default autocheckpoint threshold, pages: what the connection goes back to without the worker. */
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1000

export interface CheckpointerOptions {
  /** Told when checkpoints go back on the request path (the worker failed, or the WAL grew past its bound). */
  readonly onNotice?: (message: string) => void
  /** WAL_RESET_PAGES, smaller in tests. */
  readonly resetPages?: number
  /** Told each report of the worker (tests). */
  readonly onReport?: (report: CheckpointReport) => void
}

export interface WalCheckpointer {
  /** Stops the worker and closes its connection; the main connection goes back to SQLite's autocheckpoint. */
  stop(): Promise<void>
}

/**
 * The worker, as source (`eval`): the server runs from a one-file build (bin/load-cli.js) as well as from
 * its sources, and a worker file beside either would not be beside the other. CommonJS, given the path
 * of better-sqlite3 as the main thread resolved it. Answers each checkpoint's result to the main thread.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driverPath)
const db = new Database(workerData.filename, { fileMustExist: true })
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)')
const pause = new Int32Array(new SharedArrayBuffer(4))
const pass = () => {
  const [, log, checkpointed] = checkpoint.raw().get()
  return { log, checkpointed }
}
const timer = setInterval(() => {
  try {
    let result = pass()
    let passes = 1
    let newFrames
    // Due for a reset: passes follow each other (a short pause apart) until one finds few new frames, so that
    // the writer's own checkpoint (startWalCheckpointer) copies and syncs that few on the event loop, not a
    // whole pass's worth.
    while (result.log >= workerData.resetPages && passes <= workerData.catchUpPasses) {
      Atomics.wait(pause, 0, 0, workerData.catchUpPauseMs)
      const next = pass()
      passes++
      newFrames = next.log - result.log
      result = next
      if (newFrames < workerData.fewFrames) break
    }
    parentPort.postMessage({ ...result, passes, newFrames })
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) })
  }
}, workerData.intervalMs)
parentPort.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

/** What the worker reports after a round of PASSIVE checkpoints (one pass, or several a pause apart). */
export interface CheckpointReport {
  /** Frames in the WAL, as the last pass saw it. */
  readonly log?: number
  /** Of those, frames copied into the database file. */
  readonly checkpointed?: number
  /** Passes in this round: more than one when the WAL was due for a reset. */
  readonly passes?: number
  /** Frames the last pass found that the one before it had not (several passes only). */
  readonly newFrames?: number
  readonly error?: string
}

/**
 * Takes the bulk of WAL checkpoints off the event loop. By default SQLite
 * checkpoints inside the COMMIT that takes the WAL past 1000 pages: that
 * COMMIT copies 4 MB of WAL into the database and fsyncs both files, on the
 * event loop, and every request behind it waits tens of milliseconds
 * (docs/benchmarks.md measures it). Here the connection that answers requests
 * never checkpoints in a COMMIT (`wal_autocheckpoint = 0`); a worker thread
 * with its own connection runs a PASSIVE checkpoint every
 * CHECKPOINT_INTERVAL_MS, which takes no lock a writer waits for.
 *
 * A WAL starts over from its beginning only when a write begins with every
 * frame of it checkpointed, and under steady load a commit almost always
 * lands while the worker copies, so the WAL would only grow. So once the WAL
 * holds WAL_RESET_PAGES frames (as each worker pass reports; the file's
 * size, looked at every 50 ms, is the backstop), the writing connection runs
 * one PASSIVE checkpoint itself between two batches: it copies only what the
 * worker has not copied yet (plus the two fsyncs a checkpoint makes), and the
 * next write starts the WAL over, from the start of a file that keeps its
 * size. Before it reports a WAL that large, the worker runs more passes, a
 * few milliseconds apart, until one finds few new frames (CATCH_UP_PASSES,
 * FEW_FRAMES, CATCH_UP_PAUSE_MS): the writer's share was a whole pass's worth
 * of writes (about 10 ms on the event loop under load, up to 35), and is now
 * the last few milliseconds' (about 1). The WAL stays bounded whatever the
 * worker does.
 *
 * Durability is unchanged: a commit is durable when it is in the WAL (what
 * answers wait for), and a checkpoint only copies committed pages into the
 * database file. If the worker fails, the connection goes back to SQLite's
 * autocheckpoint.
 */
export function startWalCheckpointer(
  database: BetterSqlite3.Database,
  filename: string,
  options: CheckpointerOptions = {},
): WalCheckpointer {
  const { onNotice, onReport, resetPages = WAL_RESET_PAGES } = options
  const walFile = `${filename}-wal`
  database.pragma('wal_autocheckpoint = 0')
  // When the WAL starts over, SQLite truncates the file to journal_size_limit in the COMMIT that restarts it.
  // Cutting 32 MB off the file held that COMMIT, on the event loop, for 10-14 ms every reset (the file
  // system frees the blocks and journals it), and the next appends grew it again. So the file keeps the size
  // it reaches in normal use (about one reset's worth of frames) and is only cut back after a WAL grew far
  // past that; the frames in it, not its size, tell when the next reset is due.
  database.pragma(`journal_size_limit = ${resetPages * KEPT_FILE_RESETS * 4096}`)
  let fallenBack = false
  let stopping = false
  const fallBack = (why: string) => {
    if (fallenBack || !database.open) return
    fallenBack = true
    database.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`)
    if (!stopping) onNotice?.(`WAL checkpoints are back on the request path: ${why}`)
  }
  /** The writer's own PASSIVE checkpoint, between batches (never inside one: the batch is a transaction). */
  let finishing = false
  const finishBetweenBatches = (tries = 0) => {
    if (stopping || fallenBack || !database.open) return
    if (database.inTransaction) {
      // The batch open now commits in this turn's check phase: try again after it.
      if (tries < 1000) setImmediate(() => finishBetweenBatches(tries + 1))
      else finishing = false
      return
    }
    finishing = false
    try {
      database.pragma('wal_checkpoint(PASSIVE)')
    } catch (error) {
      fallBack(`the checkpoint failed (${(error as Error).message})`)
    }
  }
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
      filename,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      resetPages,
      catchUpPasses: CATCH_UP_PASSES,
      fewFrames: FEW_FRAMES,
      catchUpPauseMs: CATCH_UP_PAUSE_MS,
    },
  })
  // It must not keep the process alive on its own: stop() ends it, and an exit without stop() loses nothing.
  worker.unref()
  const resetIfLarge = (pages: number) => {
    if (pages < resetPages || finishing) return
    finishing = true
    setImmediate(() => finishBetweenBatches())
  }
  worker.on('message', (result: CheckpointReport) => {
    onReport?.(result)
    if (result.error !== undefined) fallBack(`the checkpoint failed (${result.error})`)
    else resetIfLarge(result.log ?? 0)
  })
  // The worker answers only after a pass, and a pass over a large WAL takes long: the file's size is the
  // backstop. It keeps its size across resets (above), so only a size well past that asks for one.
  const watch = setInterval(() => {
    let bytes = 0
    try {
      bytes = statSync(walFile).size
    } catch {
      return
    }
    const pages = Math.floor(bytes / 4096)
    if (pages >= resetPages * WATCH_BACKSTOP_RESETS) resetIfLarge(pages)
  }, WATCH_INTERVAL_MS)
  watch.unref()
  worker.on('error', (error) => fallBack(`the checkpoint worker failed (${error.message})`))
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  void exited.then(() => {
    if (!stopping) fallBack('the checkpoint worker exited')
  })
  return {
    async stop() {
      if (stopping) return exited
      stopping = true
      clearInterval(watch)
      // Held until it has closed its connection: else a process with nothing else to do exits first.
      worker.ref()
      worker.postMessage('stop')
      await exited
      fallBack('stopped')
    },
  }
}
