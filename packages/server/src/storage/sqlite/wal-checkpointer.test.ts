import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { type Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from '../database.js'
import { createSqliteDatabase } from './sqlite-database.js'
import { CATCH_UP_PASSES, type CheckpointReport, FEW_FRAMES, startWalCheckpointer } from './wal-checkpointer.js'

// @see issue 21, part 2: SQLite's autocheckpoint ran inside the COMMIT of whichever request took the WAL
// past 1000 pages, on the event loop; a worker thread checkpoints instead.

let root: string
let db: Kysely<Database> | undefined
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-wal-checkpointer-'))
})
afterEach(async () => {
  await db?.destroy()
  db = undefined
  rmSync(root, { recursive: true, force: true })
})

/** Waits (polling, real time: the worker runs on its own thread and timer) until `check` holds. */
async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((done) => setTimeout(done, 20))
  }
}

/**
 * The WAL header's checkpoint sequence number (bytes 12-15, big-endian): SQLite adds one each time the WAL
 * starts over from its beginning, whatever the file's size does.
 */
function walSequence(walPath: string): number {
  const header = Buffer.alloc(16)
  const fd = openSync(walPath, 'r')
  try {
    if (readSync(fd, header, 0, 16, 0) < 16) return -1
  } finally {
    closeSync(fd)
  }
  return header.readUInt32BE(12)
}

async function writeRows(database: Kysely<Database>, rows: number): Promise<void> {
  await sql`create table if not exists t (id integer primary key, x text)`.execute(database)
  // Concurrent, as requests are: the group commit puts each turn's inserts in one transaction.
  await Promise.all(
    Array.from({ length: rows }, (_, i) =>
      sql`insert into t (x) values (${`row ${i} ${'x'.repeat(200)}`})`.execute(database),
    ),
  )
}

/** A connection in WAL mode to a new file with one table, as the server's writer (no group commit of its own). */
function walWriter(path: string) {
  const connection = new BetterSqlite3(path)
  connection.pragma('journal_mode = WAL')
  connection.exec('create table t (id integer primary key, x text)')
  const insert = connection.prepare('insert into t (x) values (?)')
  return {
    connection,
    insert,
    /** One transaction of `rows` rows of `size` bytes, then the rest of the event loop's turn: a batch under load. */
    async batch(rows: number, size: number): Promise<void> {
      connection.transaction(() => {
        for (let i = 0; i < rows; i++) insert.run('x'.repeat(size))
      })()
      await new Promise((done) => setImmediate(done))
    },
  }
}

describe('WAL checkpoints off the event loop', () => {
  it('never checkpoints in a commit: the worker copies the WAL into the database file', async () => {
    const path = join(root, 'tessera.db')
    db = createSqliteDatabase(path)
    const sizeBefore = statSync(path).size
    await writeRows(db, 5000)
    // The connection that answers requests has autocheckpoint off, so its commits left everything in the WAL…
    const setting = await sql<{ walAutocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db)
    expect(setting.rows[0]?.walAutocheckpoint).toBe(0)
    // …and the database file grows only because the worker checkpoints it.
    await eventually(() => statSync(path).size > sizeBefore + 500_000)
    const rows = await sql<{ n: number }>`select count(*) as n from t`.execute(db)
    expect(Number(rows.rows[0]?.n)).toBe(5000)
  })

  it('keeps the WAL small under steady writes: once checkpointed, the next write starts it over', async () => {
    const path = join(root, 'tessera.db')
    db = createSqliteDatabase(path)
    let largest = 0
    for (let round = 0; round < 40; round++) {
      await writeRows(db, 500)
      largest = Math.max(largest, statSync(`${path}-wal`).size)
      await new Promise((done) => setTimeout(done, 25))
    }
    // 20,000 rows of ~230 bytes: about 5 MB of pages written, in a WAL that stayed well under that…
    expect(largest).toBeLessThan(4_000_000)
    // …because the worker copied them into the database file (its last pass may still be running on a busy machine).
    await eventually(() => statSync(path).size > 4_000_000)
  })

  it('starts the WAL over under writes that never pause: the writer finishes a checkpoint between batches', async () => {
    const path = join(root, 'tessera.db')
    const { connection, batch } = walWriter(path)
    const notices: string[] = []
    // 512 pages (2 MB) instead of 64 MB, so that the test writes tens of MB instead of hundreds.
    const checkpointer = startWalCheckpointer(connection, path, {
      onNotice: (line) => notices.push(line),
      resetPages: 512,
    })
    let restarts = 0
    let previous = walSequence(`${path}-wal`)
    try {
      // One transaction a turn of the event loop, back to back, as under steady load: 24 MB of rows.
      for (let turn = 0; turn < 6000; turn++) {
        await batch(4, 1000)
        const sequence = walSequence(`${path}-wal`)
        if (sequence !== previous) restarts++
        previous = sequence
      }
    } finally {
      await checkpointer.stop()
    }
    expect(notices).toEqual([])
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(1000)
    connection.close()
    // Every 2 MB or so (later when the worker is mid-pass: this loop writes far faster than a server does).
    expect(restarts).toBeGreaterThanOrEqual(3)
    expect(statSync(path).size).toBeGreaterThan(24_000_000)
  })

  it('catches up before it asks the writer for a reset, so that the writer copies only the last few frames', async () => {
    const path = join(root, 'tessera.db')
    const { connection, batch } = walWriter(path)
    const reports: CheckpointReport[] = []
    const checkpointer = startWalCheckpointer(connection, path, {
      resetPages: 512,
      onReport: (report) => reports.push(report),
    })
    const dueForReset = () => reports.filter((report) => (report.log ?? 0) >= 512)
    try {
      // Writes that never pause, as under load, until the worker has asked for a few resets (a catch-up round
      // takes its pauses: real time, bounded). 3-6 s here; CI, running both test projects on two cores, once
      // saw only two in 15 s: the worker's passes, each with an fsync, wait for a busy disk and core.
      const deadline = Date.now() + 60_000
      while (dueForReset().length < 3 && Date.now() < deadline) {
        await batch(4, 1000)
      }
    } finally {
      await checkpointer.stop()
      connection.close()
    }
    const due = dueForReset()
    expect(due.length).toBeGreaterThanOrEqual(3)
    for (const report of due) {
      // More passes than one, and the last found few new frames (or the round ran out of passes).
      expect(report.passes).toBeGreaterThan(1)
      if ((report.passes ?? 0) <= CATCH_UP_PASSES) expect(report.newFrames).toBeLessThan(FEW_FRAMES)
    }
  }, 90_000)

  it('keeps the WAL file as large as it grew when the WAL starts over (no truncation in the commit)', async () => {
    const path = join(root, 'tessera.db')
    const { connection, insert, batch } = walWriter(path)
    // 512 pages (2 MB) a reset: SQLite may cut the file back only past 4 MB. Before, it cut it to 1 MB, in the
    // COMMIT that started the WAL over, on the event loop.
    const checkpointer = startWalCheckpointer(connection, path, { resetPages: 512 })
    const walPath = `${path}-wal`
    try {
      // About 3 MB of frames (below the 4 MB limit), one transaction a turn of the event loop.
      for (let turn = 0; turn < 50; turn++) {
        await batch(12, 3000)
      }
      const grown = statSync(walPath).size
      expect(grown).toBeGreaterThan(2_000_000)
      const sequence = walSequence(walPath)
      // Once the worker has copied every frame, the next write starts the WAL over…
      await eventually(() => {
        insert.run('one more')
        return walSequence(walPath) !== sequence
      })
      // …from the start of a file that kept its size.
      expect(statSync(walPath).size).toBeGreaterThanOrEqual(grown)
    } finally {
      await checkpointer.stop()
      connection.close()
    }
  })

  it('stops the worker on destroy, so the last connection closes cleanly and removes the WAL', async () => {
    const path = join(root, 'tessera.db')
    db = createSqliteDatabase(path)
    await writeRows(db, 100)
    expect(existsSync(`${path}-wal`)).toBe(true)
    await db.destroy()
    db = undefined
    expect(existsSync(`${path}-wal`)).toBe(false)
    const reopened = new BetterSqlite3(path, { readonly: true })
    expect(reopened.prepare('select count(*) as n from t').get()).toEqual({ n: 100 })
    reopened.close()
  })

  it('puts the checkpoints back on the connection and says so when the worker cannot work', async () => {
    // A database the worker cannot open (it requires the file to exist): it fails at once.
    const connection = new BetterSqlite3(':memory:')
    const notices: string[] = []
    const checkpointer = startWalCheckpointer(connection, join(root, 'missing.db'), {
      onNotice: (line) => notices.push(line),
    })
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
    await eventually(() => notices.length > 0)
    expect(notices[0]).toMatch(/^WAL checkpoints are back on the request path: the checkpoint worker failed/)
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(1000)
    await checkpointer.stop()
    connection.close()
  })
})
