import { CompiledQuery, type DatabaseConnection, type Kysely, type QueryResult } from 'kysely'
import type { Database } from '../database.js'
import type { RowForTable, StagedWrite } from '../store.js'
import { EVENT_COLUMN_EXPRESSIONS } from './event-queries.js'
import { placeholdersFor, type RowInsert, rowInsertBuilder, type SqlDialect } from './fixed-sql.js'
import { turnInserts } from './turn-inserts.js'

/**
 * A change and the rows that come with it — its events (the outbox), the token that proves an approval —
 * written all together or not at all. On PostgreSQL outside a transaction that is one statement of
 * data-modifying WITH clauses, which PostgreSQL runs exactly once and to completion in the statement's own
 * transaction: one round trip instead of a transaction's BEGIN, statements and COMMIT. On SQLite the driver
 * runs them in one go (`executeTogether`: a savepoint in the group commit's batch); inside a transaction it is
 * one statement each.
 */

/** The INSERT of each table a change takes rows into, as its repository writes it. */
const INSERT_FOR: Readonly<Record<RowForTable['table'], (row: object) => RowInsert>> = {
  verifications: rowInsertBuilder('verifications'),
  events: rowInsertBuilder('events', EVENT_COLUMN_EXPRESSIONS),
  deliveries: rowInsertBuilder('deliveries'),
  tokens: rowInsertBuilder('tokens'),
}

/** One conditional UPDATE (its WHERE clause decides who wins), with `?` placeholders. */
export interface ConditionalUpdate {
  readonly sql: string
  readonly values: readonly unknown[]
}

/** Inserts every row, all or none. */
export async function insertAll(db: Kysely<Database>, dialect: SqlDialect, rows: readonly RowForTable[]) {
  const inserts = rows.map(insertOf)
  if (inserts.length === 0) return
  // With the other requests of this turn, in one statement (turn-inserts.ts).
  if (dialect === 'postgres' && !db.isTransaction) return insertInTurn(db, inserts)
  if (db.isTransaction || inserts.length === 1) return runEach(db, dialect, inserts)
  const together = await runTogether(db, dialect, inserts)
  if (together === undefined) await db.transaction().execute((trx) => runEach(trx, dialect, inserts))
}

/** One request's inserts on PostgreSQL outside a transaction: one statement. */
async function insertAloneOnPostgres(db: Kysely<Database>, inserts: readonly RowInsert[]): Promise<void> {
  if (inserts.length === 1) return runEach(db, 'postgres', inserts)
  const text = combined(inserts.map((insert) => insert.sql).join('\n'), () => {
    const clauses = inserts.map((insert, i) => `w${i} as (${insert.sql})`)
    return `with ${clauses.join(', ')} select 1`
  })
  await db.executeQuery(
    CompiledQuery.raw(
      text,
      inserts.flatMap((insert) => insert.values),
    ),
  )
}

const insertInTurn = turnInserts(insertAloneOnPostgres)

const ALREADY_COMMITTED: StagedWrite = { committed: Promise.resolve() }

/** Inserts every row, all or none, and answers once this process sees them (Store.stageAll). */
export async function stageAll(
  db: Kysely<Database>,
  dialect: SqlDialect,
  rows: readonly RowForTable[],
): Promise<StagedWrite> {
  // Only SQLite's group commit answers before a commit; PostgreSQL commits each write as it answers it.
  if (dialect === 'sqlite' && !db.isTransaction && rows.length > 0) {
    const queries = rows
      .map(insertOf)
      .map((insert) => CompiledQuery.raw(placeholdersFor(dialect, insert.sql), insert.values))
    const staged = await db
      .getExecutor()
      .provideConnection(async (connection) => (canStage(connection) ? connection.stageTogether(queries) : undefined))
    if (staged !== undefined) return staged
  }
  await insertAll(db, dialect, rows)
  return ALREADY_COMMITTED
}

/**
 * Runs `update` and, if and only if it changed a row, inserts `rows`: both commit together or neither does.
 * Answers whether the update won (of racing callers, the one its WHERE clause let through).
 */
export async function updateThenInsert(
  db: Kysely<Database>,
  dialect: SqlDialect,
  update: ConditionalUpdate,
  rows: readonly RowForTable[],
): Promise<boolean> {
  const inserts = rows.map(insertOf)
  if (dialect === 'postgres' && !db.isTransaction && inserts.length > 0) {
    const text = combined(`${update.sql}\n${inserts.map((insert) => insert.sql).join('\n')}`, () => {
      // PostgreSQL types an INSERT … SELECT's untyped parameters by the target columns, as it does VALUES.
      const clauses = inserts.map(
        (insert, i) => `w${i} as (${insert.into} select ${insert.row} where exists (select 1 from won))`,
      )
      return `with won as (${update.sql} returning 1), ${clauses.join(', ')} select exists (select 1 from won) as "won"`
    })
    const values = [...update.values, ...inserts.flatMap((insert) => insert.values)]
    const result = await db.executeQuery<{ won: boolean }>(CompiledQuery.raw(text, values))
    return result.rows[0]?.won === true
  }
  const run = async (target: Kysely<Database>) => {
    const changed = await target.executeQuery(
      CompiledQuery.raw(placeholdersFor(dialect, update.sql), [...update.values]),
    )
    if ((changed.numAffectedRows ?? 0n) === 0n) return false
    await runEach(target, dialect, inserts)
    return true
  }
  if (db.isTransaction || inserts.length === 0) return run(db)
  const changed = await runTogether(db, dialect, inserts, update)
  if (changed !== undefined) return (changed[0]?.numAffectedRows ?? 0n) > 0n
  return db.transaction().execute(run)
}

/** A connection that runs statements all or none without a turn of the event loop each (SQLite's). */
interface StatementsTogether {
  executeTogether(
    queries: readonly CompiledQuery[],
    options?: { readonly whenFirstChanges?: boolean },
  ): Promise<QueryResult<unknown>[]>
}

function canRunTogether(connection: DatabaseConnection): connection is DatabaseConnection & StatementsTogether {
  return typeof (connection as Partial<StatementsTogether>).executeTogether === 'function'
}

/** A connection that can answer statements before their commit, with the commit's promise (SQLite's group commit). */
interface StatementsStaged {
  stageTogether(queries: readonly CompiledQuery[]): Promise<StagedWrite>
}

function canStage(connection: DatabaseConnection): connection is DatabaseConnection & StatementsStaged {
  return typeof (connection as Partial<StatementsStaged>).stageTogether === 'function'
}

/**
 * The inserts (after `update`, and only if it changed a row) in one go where the connection can (SQLite's:
 * one synchronous stretch in a savepoint of the group commit's batch), instead of a transaction's BEGIN,
 * statements and COMMIT each through the query executor's layers: a start allocates about a quarter less and
 * costs about a fifth less server CPU (docs/benchmarks.md). Undefined where the connection cannot.
 */
function runTogether(
  db: Kysely<Database>,
  dialect: SqlDialect,
  inserts: readonly RowInsert[],
  update?: ConditionalUpdate,
): Promise<QueryResult<unknown>[] | undefined> {
  return db.getExecutor().provideConnection(async (connection) => {
    if (!canRunTogether(connection)) return undefined
    const queries = inserts.map((insert) => CompiledQuery.raw(placeholdersFor(dialect, insert.sql), insert.values))
    if (update === undefined) return connection.executeTogether(queries)
    const first = CompiledQuery.raw(placeholdersFor(dialect, update.sql), [...update.values])
    return connection.executeTogether([first, ...queries], { whenFirstChanges: true })
  })
}

function insertOf({ table, row }: RowForTable): RowInsert {
  return INSERT_FOR[table](row)
}

async function runEach(db: Kysely<Database>, dialect: SqlDialect, inserts: readonly RowInsert[]) {
  for (const insert of inserts) {
    await db.executeQuery(CompiledQuery.raw(placeholdersFor(dialect, insert.sql), insert.values))
  }
}

/** Combined PostgreSQL statements by shape: the same few shapes come back on every request. */
const combinedTexts = new Map<string, string>()

function combined(shape: string, build: () => string): string {
  let text = combinedTexts.get(shape)
  if (text === undefined) {
    text = placeholdersFor('postgres', build())
    // Shapes are few (tables × optional columns); the bound only guards against a surprise.
    if (combinedTexts.size >= 256) combinedTexts.clear()
    combinedTexts.set(shape, text)
  }
  return text
}
