import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createPostgresDatabase } from '../storage/postgres/postgres-database.js'
import { isDependencyFailure } from './dependency-failure.js'
import { isStorageFailure } from './storage-failure.js'

// Which errors mean "the database cannot store writes" (503 service_unavailable, readiness fails),
// as opposed to a bug (500) or a refused row (a constraint the code handles).
// @see issue 13, part 8

/** The error `run` throws, or a failure of the test when it throws none. */
function errorOf(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

describe('isStorageFailure on SQLite errors, as better-sqlite3 raises them', () => {
  it('a full database (SQLITE_FULL) is one', () => {
    const db = new BetterSqlite3(':memory:')
    db.exec('create table t (x text)')
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`)
    const error = errorOf(() => {
      for (let i = 0; i < 1000; i++) db.prepare('insert into t values (?)').run('x'.repeat(500))
    })
    expect(error).toMatchObject({ code: 'SQLITE_FULL' })
    expect(isStorageFailure(error)).toBe(true)
    db.close()
  })

  it('a read-only database file (SQLITE_READONLY) is one', () => {
    const root = mkdtempSync(join(tmpdir(), 'tessera-readonly-'))
    try {
      const path = join(root, 'db')
      const setup = new BetterSqlite3(path)
      setup.exec('create table t (x text)')
      setup.close()
      chmodSync(path, 0o400)
      const db = new BetterSqlite3(path, { readonly: true })
      const error = errorOf(() => db.prepare('insert into t values (1)').run())
      expect(error).toMatchObject({ code: expect.stringMatching(/^SQLITE_READONLY/) })
      expect(isStorageFailure(error)).toBe(true)
      db.close()
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('a constraint, a syntax error or a busy database is not one', () => {
    const db = new BetterSqlite3(':memory:')
    db.exec('create table t (x text primary key)')
    db.prepare('insert into t values (1)').run()
    const duplicate = errorOf(() => db.prepare('insert into t values (1)').run())
    expect(duplicate).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })
    expect(isStorageFailure(duplicate)).toBe(false)
    expect(isStorageFailure(errorOf(() => db.prepare('selec 1')))).toBe(false)
    db.close()
    // Busy is an outage of another kind (a lock), classified by isDependencyFailure.
    expect(isStorageFailure({ code: 'SQLITE_BUSY' })).toBe(false)
  })

  it('the I/O, read-only, cannot-open and out-of-memory families are', () => {
    for (const code of [
      'SQLITE_IOERR',
      'SQLITE_IOERR_WRITE',
      'SQLITE_IOERR_FSYNC',
      'SQLITE_IOERR_SHORT_READ',
      'SQLITE_READONLY_DBMOVED',
      'SQLITE_CANTOPEN',
      'SQLITE_NOMEM',
    ]) {
      expect(isStorageFailure(Object.assign(new Error('x'), { code })), code).toBe(true)
    }
    for (const code of ['SQLITE_CORRUPT', 'SQLITE_ERROR', 'SQLITE_MISMATCH', 'SQLITE_FULLY']) {
      expect(isStorageFailure(Object.assign(new Error('x'), { code })), code).toBe(false)
    }
  })
})

describe('isStorageFailure on PostgreSQL SQLSTATEs', () => {
  it('disk full, out of resources, read-only and I/O errors are', () => {
    for (const code of ['53100', '53000', '53200', '53300', '53400', '25006', '58030', '58000']) {
      expect(isStorageFailure(Object.assign(new Error('x'), { code })), code).toBe(true)
    }
  })

  it('constraints, serialization failures, syntax errors and connection losses are not', () => {
    // A lost connection (08xxx) is an outage too, but readiness finds it with a plain ping.
    for (const code of ['23505', '23503', '40001', '40P01', '42601', '42P01', '08006', '57P01', 'XX000']) {
      expect(isStorageFailure(Object.assign(new Error('x'), { code })), code).toBe(false)
    }
  })

  it('anything without a code is not', () => {
    for (const value of [new Error('disk full'), undefined, null, 'SQLITE_FULL', { code: 53100 }]) {
      expect(isStorageFailure(value)).toBe(false)
    }
  })
})

const postgresUrl = process.env.TEST_POSTGRES_URL
if (!postgresUrl) {
  process.stderr.write(
    'storage-failure: the real PostgreSQL read-only check is skipped (TEST_POSTGRES_URL is not set).\n',
  )
}

describe.skipIf(!postgresUrl)('isStorageFailure on a real PostgreSQL', () => {
  it('a write in a read-only session fails with 25006, classified as a storage failure', async () => {
    const schema = `tessera_readonly_${randomBytes(6).toString('hex')}`
    // One connection, so the session setting below applies to the insert that follows.
    const db = createPostgresDatabase({ connectionString: postgresUrl as string, poolSize: 1, schema })
    try {
      await sql`create schema ${sql.id(schema)}`.execute(db)
      await sql`create table ${sql.id(schema, 'probe')} (x text)`.execute(db)
      // As on a standby, or a database an operator set read-only: this session only, on this test's schema.
      await sql`set default_transaction_read_only = on`.execute(db)
      const error = await sql`insert into ${sql.id(schema, 'probe')} values ('x')`.execute(db).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(error).toMatchObject({ code: '25006' })
      expect(isStorageFailure(error)).toBe(true)
      expect(isDependencyFailure(error)).toBe(false)
    } finally {
      await sql`reset default_transaction_read_only`.execute(db)
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db)
      await db.destroy()
    }
  })
})
