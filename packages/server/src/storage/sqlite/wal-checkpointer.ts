import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'

/** How often the worker runs a PASSIVE checkpoint: often enough that the WAL stays a few MB at most. */
export const CHECKPOINT_INTERVAL_MS = 200

/**
 * The WAL size past which the worker is considered behind and the request path checkpoints again
 * (SQLite's own autocheckpoint, back on), so that the WAL stays bounded whatever the worker does.
 */
export const WAL_BOUND_PAGES = 16_384

/** SQLite's default autocheckpoint threshold, pages: what the connection goes back to without the worker. */
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1000

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
const timer = setInterval(() => {
  try {
    const [busy, log, checkpointed] = checkpoint.raw().get()
    parentPort.postMessage({ busy, log, checkpointed })
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

interface CheckpointResult {
  readonly busy?: number
  readonly log?: number
  readonly checkpointed?: number
  readonly error?: string
}

/**
 * Takes WAL checkpoints off the event loop. By default SQLite checkpoints
 * inside the COMMIT that takes the WAL past 1000 pages: that COMMIT copies
 * the WAL into the database and fsyncs it, on the event loop, and every
 * request waiting behind it waits tens of milliseconds (docs/benchmarks.md
 * measures it). Here the main connection never checkpoints
 * (`wal_autocheckpoint = 0`) and a worker thread with its own connection runs
 * a PASSIVE checkpoint every CHECKPOINT_INTERVAL_MS: PASSIVE takes no lock a
 * writer waits for, so the event loop never waits for it, and once it has
 * copied everything the next write starts the WAL over from its beginning.
 *
 * Durability is unchanged: a commit is durable when it is in the WAL (what
 * answers wait for), and a checkpoint only copies committed pages into the
 * database file. If the worker fails, or the WAL grows past WAL_BOUND_PAGES
 * all the same, the main connection goes back to SQLite's autocheckpoint.
 */
export function startWalCheckpointer(
  database: BetterSqlite3.Database,
  filename: string,
  onNotice?: (message: string) => void,
): WalCheckpointer {
  database.pragma('wal_autocheckpoint = 0')
  // A WAL that did grow is cut back to this size when it starts over, instead of keeping its largest size.
  database.pragma(`journal_size_limit = ${64 * 1024 * 1024}`)
  let fallenBack = false
  let stopping = false
  const fallBack = (why: string) => {
    if (fallenBack || !database.open) return
    fallenBack = true
    database.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`)
    if (!stopping) onNotice?.(`WAL checkpoints are back on the request path: ${why}`)
  }
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
      filename,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  })
  // It must not keep the process alive on its own: stop() ends it, and an exit without stop() loses nothing.
  worker.unref()
  worker.on('message', (result: CheckpointResult) => {
    if (result.error !== undefined) fallBack(`the checkpoint failed (${result.error})`)
    else if ((result.log ?? 0) > WAL_BOUND_PAGES) fallBack(`the WAL passed ${WAL_BOUND_PAGES} pages`)
  })
  worker.on('error', (error) => fallBack(`the checkpoint worker failed (${error.message})`))
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  void exited.then(() => {
    if (!stopping) fallBack('the checkpoint worker exited')
  })
  return {
    async stop() {
      if (stopping) return exited
      stopping = true
      // Referenced again while it winds down: an unreferenced worker is no reason to keep the event loop, so a
      // process with nothing else left would end with this await unsettled (exit code 13) before it closes.
      worker.ref()
      worker.postMessage('stop')
      await exited
      fallBack('stopped')
    },
  }
}
