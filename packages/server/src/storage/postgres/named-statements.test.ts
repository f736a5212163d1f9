import { type Kysely, sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { newPooledSchemaName } from '../../../test/helpers/pooled-schema.js'
import { isDependencyFailure } from '../../errors/dependency-failure.js'
import type { Database } from '../database.js'
import { StatementNames } from './named-statements.js'
import { createPostgresDatabase } from './postgres-database.js'

// Runs in the postgres project only (vitest.config.ts): this folder is PostgreSQL's.
const postgresUrl = process.env.TEST_POSTGRES_URL ?? ''

describe('StatementNames', () => {
  it('names a text at its second use, then always the same name', () => {
    const names = new StatementNames()
    expect(names.nameFor('select $1')).toBeUndefined()
    const name = names.nameFor('select $1')
    expect(name).toMatch(/^tessera_\d+$/)
    expect(names.nameFor('select $1')).toBe(name)
    names.nameFor('select $1 + 1')
    expect(names.nameFor('select $1 + 1')).not.toBe(name)
  })

  it('names at most its bound of texts, and never a retired one again', () => {
    const names = new StatementNames(2)
    for (const text of ['a $1', 'b $1', 'c $1']) {
      names.nameFor(text)
      names.nameFor(text)
    }
    expect(names.size).toBe(2)
    expect(names.nameFor('c $1')).toBeUndefined()
    names.retire('a $1')
    expect(names.nameFor('a $1')).toBeUndefined()
    expect(names.nameFor('a $1')).toBeUndefined()
    // The slot is not given to another text: the count of names ever made is the bound.
    names.nameFor('d $1')
    expect(names.nameFor('d $1')).toBeUndefined()
  })

  it('forgets texts seen once when too many are waiting, so one-off texts hold no memory', () => {
    const names = new StatementNames()
    names.nameFor('first $1')
    for (let i = 0; i < 1024; i++) names.nameFor(`one-off ${i} $1`)
    // `first` was forgotten with the others: its next use is again a first one.
    expect(names.nameFor('first $1')).toBeUndefined()
    expect(names.nameFor('first $1')).toMatch(/^tessera_/)
  })
})

describe.skipIf(!postgresUrl)('named statements on PostgreSQL', () => {
  let db: Kysely<Database> | undefined
  const schema = newPooledSchemaName()

  // One connection, so that what the test reads from pg_prepared_statements is the connection that ran the queries.
  const open = async (preparedStatements: boolean): Promise<Kysely<Database>> => {
    db = createPostgresDatabase({ connectionString: postgresUrl, poolSize: 1, schema, preparedStatements })
    await sql.raw(`create schema if not exists ${schema}`).execute(db)
    await sql.raw('drop table if exists t; create table t (a int primary key)').execute(db)
    await sql`insert into t values (1), (2), (3)`.execute(db)
    return db
  }

  const prepared = async (on: Kysely<Database>): Promise<{ name: string; statement: string }[]> =>
    (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(on))
      .rows

  const select = (on: Kysely<Database>, a: number) => sql<{ a: number }>`select * from t where a = ${a}`.execute(on)

  afterEach(async () => {
    if (db) await sql.raw(`drop schema if exists ${schema} cascade`).execute(db)
    await db?.destroy()
    db = undefined
  })

  it('prepares a repeated query with parameters once on its connection and answers it as before', async () => {
    const on = await open(true)
    for (const a of [1, 2, 3, 2]) expect((await select(on, a)).rows).toEqual([{ a }])
    const statements = await prepared(on)
    expect(statements).toHaveLength(1)
    expect(statements[0]?.name).toMatch(/^tessera_\d+$/)
    expect(statements[0]?.statement).toContain('select * from t where a = $1')
    // Several statements in one text without parameters go through the simple protocol, as migrations need.
    await sql.raw('select 1; select 2').execute(on)
    await sql.raw('select 1; select 2').execute(on)
  })

  it('prepares nothing when turned off', async () => {
    const on = await open(false)
    for (const a of [1, 2, 3]) expect((await select(on, a)).rows).toEqual([{ a }])
    expect(await prepared(on)).toEqual([])
  })

  it('answers a query whose cached plan went stale under DDL, and inside a transaction fails it once', async () => {
    const on = await open(true)
    await select(on, 1)
    await select(on, 1)
    await sql`select a from t where a > ${0}`.execute(on)
    await sql`select a from t where a > ${0}`.execute(on)
    expect(await prepared(on)).toHaveLength(2)
    // Another instance's migration: `select *` now has another column.
    await sql.raw('alter table t add column b text').execute(on)
    expect((await select(on, 1)).rows).toEqual([{ a: 1, b: null }])
    expect((await select(on, 2)).rows).toEqual([{ a: 2, b: null }])

    await sql.raw('alter table t alter column a type bigint').execute(on)
    const inTransaction = on.transaction().execute((tx) => sql`select a from t where a > ${0}`.execute(tx))
    await expect(inTransaction).rejects.toThrow(/cached plan must not change result type/)
    // Answered 503, as a passing outage: the client's retry succeeds.
    expect(isDependencyFailure(await inTransaction.catch((error: unknown) => error))).toBe(true)
    // The text runs unnamed from then on: the same query answers.
    expect((await sql<{ a: number }>`select a from t where a > ${0}`.execute(on)).rows).toHaveLength(3)
  })
})
