// How long a COMMIT holds the event loop, with SQLite's own autocheckpoint
// (the checkpoint runs inside the COMMIT that takes the WAL past 1000 pages)
// and with Tessera's checkpoint worker (src/storage/sqlite/wal-checkpointer.ts),
// alternately in one process on the server core. Each commit carries the rows
// of a few starts (what one group-commit batch holds at a moderate load). The
// bench runs this file pinned like the server and reads one JSON line
// (`CheckpointStalls`) from its standard output.
//
// On a shared machine a commit's wall time also counts the time the thread
// was ready but another process had the core. Linux tells that time
// (/proc/self/task/<tid>/schedstat, "time spent waiting on a runqueue"), so
// each commit's own time is its wall time less that wait: CPU and I/O waits
// (the fsync of a checkpoint) that are the commit's own doing.
//
//   node packages/server/bin/run-ts.js packages/server/bench/checkpoint-stalls.ts [--quick]

import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { startWalCheckpointer } from '../src/storage/sqlite/wal-checkpointer.js'
import { percentile } from './load.js'

export interface CommitTimes {
  readonly commits: number
  /**
   * Milliseconds one turn of the event loop with one transaction (BEGIN, the inserts, COMMIT) held the
   * thread, less the time the thread waited for the core (when /proc says it; else wall time).
   */
  readonly p50: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  /** Commits that held the thread longer than 5 ms. */
  readonly over5ms: number
}

export interface CheckpointStalls {
  readonly autocheckpoint: CommitTimes
  readonly worker: CommitTimes
}

const SCHEMA = `
  CREATE TABLE verifications (id TEXT PRIMARY KEY, app_id TEXT NOT NULL, identifier TEXT NOT NULL,
    code_hash TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL, metadata TEXT);
  CREATE INDEX verifications_app_identifier ON verifications (app_id, identifier, created_at);
  CREATE TABLE delivery_attempts (id TEXT PRIMARY KEY, verification_id TEXT NOT NULL, provider TEXT NOT NULL,
    status TEXT NOT NULL, created_at BIGINT NOT NULL);
  CREATE INDEX delivery_attempts_verification ON delivery_attempts (verification_id);
`
const STARTS_PER_COMMIT = 4
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`

/** Nanoseconds the main thread has waited on a runqueue (ready, another task on the core), or 0 when unknown. */
function runqueueWaitNs(): number {
  try {
    return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[1] ?? 0)
  } catch {
    return 0
  }
}

async function commitTimes(mode: 'autocheckpoint' | 'worker', commits: number): Promise<CommitTimes> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-checkpoint-'))
  const file = join(dir, 'bench.db')
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(SCHEMA)
  const checkpointer = mode === 'worker' ? startWalCheckpointer(db, file) : undefined
  const begin = db.prepare('begin immediate')
  const commit = db.prepare('commit')
  const verification = db.prepare('insert into verifications values (?, ?, ?, ?, ?, ?, ?)')
  const attempt = db.prepare('insert into delivery_attempts values (?, ?, ?, ?, ?)')
  const times = new Float64Array(commits)
  try {
    for (let c = 0; c < commits; c++) {
      const waitedBefore = runqueueWaitNs()
      const started = process.hrtime.bigint()
      begin.run()
      for (let s = 0; s < STARTS_PER_COMMIT; s++) {
        const id = randomBytes(13).toString('hex')
        verification.run(
          id,
          'app',
          `${randomBytes(6).toString('hex')}@bench.example`,
          randomBytes(32).toString('hex'),
          'pending',
          Date.now(),
          '{}',
        )
        attempt.run(randomBytes(13).toString('hex'), id, 'null', 'sent', Date.now())
      }
      commit.run()
      // One batch a turn of the event loop, as in the server; the turn counts (the writer's own checkpoint,
      // when the WAL is to start over, runs between two batches).
      await new Promise((done) => setImmediate(done))
      const wallNs = Number(process.hrtime.bigint() - started)
      times[c] = Math.max(0, wallNs - (runqueueWaitNs() - waitedBefore)) / 1e6
    }
  } finally {
    await checkpointer?.stop()
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const sorted = times.sort()
  return {
    commits,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    over5ms: sorted.filter((t) => t > 5).length,
  }
}

export async function measureCheckpointStalls(quick: boolean): Promise<CheckpointStalls> {
  const commits = quick ? 2000 : 20_000
  // Alternated halves, so that a noisy neighbour weighs on both modes alike.
  const halves: Record<'autocheckpoint' | 'worker', CommitTimes[]> = { autocheckpoint: [], worker: [] }
  for (const mode of ['autocheckpoint', 'worker', 'worker', 'autocheckpoint'] as const) {
    halves[mode].push(await commitTimes(mode, commits / 2))
  }
  const merge = (parts: CommitTimes[]): CommitTimes => ({
    commits: parts.reduce((n, p) => n + p.commits, 0),
    p50: Math.max(...parts.map((p) => p.p50)),
    p99: Math.max(...parts.map((p) => p.p99)),
    p999: Math.max(...parts.map((p) => p.p999)),
    max: Math.max(...parts.map((p) => p.max)),
    over5ms: parts.reduce((n, p) => n + p.over5ms, 0),
  })
  return { autocheckpoint: merge(halves.autocheckpoint), worker: merge(halves.worker) }
}

if (process.argv[1]?.endsWith('checkpoint-stalls.ts')) {
  const stalls = await measureCheckpointStalls(process.argv.includes('--quick'))
  process.stdout.write(`${JSON.stringify(stalls)}\n`)
}
