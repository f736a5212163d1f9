import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { type Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from '../database.js'
import { createSqliteDatabase } from './sqlite-database.js'

// @see issue 13, part 5: the database, its WAL and its SHM file are 0600 whatever the umask
// (SQLite alone makes them 0644 less the umask: readable by every local user).

let root: string
let savedUmask: number
let db: Kysely<Database> | undefined
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-sqlite-modes-'))
  savedUmask = process.umask(0)
})
afterEach(async () => {
  await db?.destroy()
  db = undefined
  process.umask(savedUmask)
  rmSync(root, { recursive: true, force: true })
})

const modeOf = (path: string) => statSync(path).mode & 0o777

async function write(database: Kysely<Database>): Promise<void> {
  await sql`create table if not exists t (x text)`.execute(database)
  await sql`insert into t values ('row')`.execute(database)
}

describe('createSqliteDatabase on a file', () => {
  // @see issue 21: a batch's savepoints journal every page they change; past 64 KiB SQLite spilled that
  // journal to a temporary file, two pwrite calls a page (23 a start under load; 4.7 with it in memory).
  it('keeps savepoint and statement journals in memory', async () => {
    db = createSqliteDatabase(join(root, 'tessera.db'))
    const { rows } = await sql<{ tempStore: number }>`pragma temp_store`.execute(db)
    expect(rows[0]?.tempStore).toBe(2)
  })

  it('creates the database, WAL and SHM files owner-only', async () => {
    const path = join(root, 'tessera.db')
    const notices: string[] = []
    db = createSqliteDatabase(path, { onNotice: (line) => notices.push(line) })
    await write(db)
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      expect(existsSync(file), file).toBe(true)
      expect(modeOf(file), file).toBe(0o600)
    }
    expect(notices).toEqual([])
  })

  it('tightens a database, WAL and SHM left open by an older version, keeps their rows, and says so', async () => {
    // What a killed process leaves: the database with its rows still in the WAL, all three files 0644.
    const live = join(root, 'live.db')
    const writer = new BetterSqlite3(live)
    writer.pragma('journal_mode = WAL')
    writer.pragma('wal_autocheckpoint = 0')
    writer.exec("create table t (x text); insert into t values ('row')")
    const path = join(root, 'tessera.db')
    for (const suffix of ['', '-wal', '-shm']) {
      copyFileSync(`${live}${suffix}`, `${path}${suffix}`)
      chmodSync(`${path}${suffix}`, 0o644)
    }
    writer.close()
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0)

    const notices: string[] = []
    db = createSqliteDatabase(path, { onNotice: (line) => notices.push(line) })
    await write(db)
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(file), file).toBe(0o600)
    expect(notices).toEqual([
      `${path} was mode 0644, open to other users: set to 0600`,
      `${path}-wal was mode 0644, open to other users: set to 0600`,
      `${path}-shm was mode 0644, open to other users: set to 0600`,
    ])
    const rows = await sql<{ n: number }>`select count(*) as n from t`.execute(db)
    expect(Number(rows.rows[0]?.n)).toBe(2)
  })
})
