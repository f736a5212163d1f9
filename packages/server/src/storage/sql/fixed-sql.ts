import { CompiledQuery, type Kysely, type QueryResult } from 'kysely'
import type { Database } from '../database.js'

export type SqlDialect = 'sqlite' | 'postgres'

/**
 * A statement written once as SQL text, for the few queries on every
 * request's path: building and compiling them through Kysely's builder cost
 * about as much as running them (docs/benchmarks.md). Written with `?`
 * placeholders and the real (snake_case) column names; PostgreSQL gets `$1…`.
 * Results still pass through the Kysely instance's plugins, so rows come back
 * camelCased like every other query's, and a transaction's Kysely runs them
 * inside its transaction.
 */
export interface FixedSql {
  /** `parameters` becomes the query's own (Kysely freezes it): pass a fresh array. */
  run<R>(db: Kysely<Database>, parameters: unknown[]): Promise<QueryResult<R>>
}

/** PostgreSQL's text of each statement seen: the hot paths send the same few dozen texts again and again. */
const numbered = new Map<string, string>()

/** `?` placeholders as the dialect writes them: PostgreSQL numbers them `$1…` (converted once per text). */
export function placeholdersFor(dialect: SqlDialect, text: string): string {
  if (dialect !== 'postgres') return text
  let converted = numbered.get(text)
  if (converted === undefined) {
    let n = 0
    converted = text.replace(/\?/g, () => `$${++n}`)
    // Texts are few (fixed SQL, one per set of inserted columns); the bound only guards against a surprise.
    if (numbered.size >= 1024) numbered.clear()
    numbered.set(text, converted)
  }
  return converted
}

export function fixedSql(dialect: SqlDialect, text: string): FixedSql {
  const sql = placeholdersFor(dialect, text)
  return {
    run: <R>(db: Kysely<Database>, parameters: unknown[]) => db.executeQuery<R>(CompiledQuery.raw(sql, parameters)),
  }
}

/** Builds a dialect's statements once, however many stores (one per transaction) use them. */
export function perDialect<T>(build: (dialect: SqlDialect) => T): (dialect: SqlDialect) => T {
  const built = new Map<SqlDialect, T>()
  return (dialect) => {
    let statements = built.get(dialect)
    if (statements === undefined) {
      statements = build(dialect)
      built.set(dialect, statements)
    }
    return statements
  }
}

/** A column whose value is an SQL expression over parameters taken from the row, instead of the row's value. */
export interface ColumnExpression {
  /** With `?` placeholders, in the order `parameters` gives their values. */
  readonly sql: string
  readonly parameters: (row: Record<string, unknown>) => unknown[]
  /**
   * The same value over the row read back from JSON as `r` (its columns `r."snake_name"`), for PostgreSQL's
   * inserts of many rows in one statement (turn-inserts.ts).
   */
  readonly overRow: string
}

/** No prototype: a column named like an Object method is still a column. */
const NO_EXPRESSIONS: Readonly<Record<string, ColumnExpression>> = Object.freeze(Object.create(null))

/** One row's INSERT: its SQL (with `?` placeholders) and its values in placeholder order. */
export interface RowInsert {
  /** `insert into "t" ("a", "b") values (?, ?)`: `${into} values (${row})`. */
  readonly sql: string
  /** `insert into "t" ("a", "b")`, for an INSERT … SELECT of the same row. */
  readonly into: string
  /** `?, ?`: the row's value expressions. */
  readonly row: string
  readonly values: unknown[]
  /** The same INSERT for many rows of these columns at once (turn-inserts.ts), shared by every such row. */
  readonly shape: InsertShape
  /** The row as given: its defined properties are the shape's `keys`. */
  readonly source: Readonly<Record<string, unknown>>
}

/** An INSERT's table and columns, whatever the rows: one per table and set of defined columns. */
export interface InsertShape {
  readonly table: string
  /** The row's defined properties (camelCase), in the columns' order. */
  readonly keys: readonly string[]
  /** `"snake_name"` of each key, in the same order. */
  readonly columns: readonly string[]
  readonly into: string
  /** The values of the columns over a row `r` of the table's type: `r."a", r."b"`, or the column's expression. */
  readonly overRow: string
}

interface InsertText extends InsertShape {
  readonly keys: string[]
  readonly sql: string
  readonly row: string
}

/**
 * INSERT of a whole row, as Kysely's `insertInto(table).values(row)` writes it:
 * one column per defined property (camelCase → snake_case), undefined ones left
 * out. The SQL is kept per set of columns, so a column added to the table's
 * row type is inserted without touching this. A column named in `expressions`
 * takes that expression's value instead of the row's.
 */
export function rowInsertBuilder(
  table: string,
  expressions: Readonly<Record<string, ColumnExpression>> = NO_EXPRESSIONS,
): (row: object) => RowInsert {
  const statements = new Map<string, InsertText>()
  // Rows of one table nearly always come from one constructor: the last key list is checked first, without allocating.
  let last: InsertText | undefined
  return (row) => {
    const values: unknown[] = []
    const record = row as Record<string, unknown>
    let matches = last !== undefined
    let columns = 0
    for (const key in record) {
      const value = record[key]
      if (value === undefined) continue
      if (matches && last?.keys[columns] !== key) matches = false
      columns++
      const expression = expressions[key]
      if (expression) values.push(...expression.parameters(record))
      else values.push(value)
    }
    if (!matches || last === undefined || last.keys.length !== columns) {
      const keys = Object.keys(record).filter((key) => record[key] !== undefined)
      const signature = keys.join(',')
      last = statements.get(signature)
      if (last === undefined) {
        const columns = keys.map((key) => `"${snakeCase(key)}"`)
        const placeholders = keys.map((key) => expressions[key]?.sql ?? '?').join(', ')
        const into = `insert into "${table}" (${columns.join(', ')})`
        const overRow = keys.map((key, i) => expressions[key]?.overRow ?? `r.${columns[i]}`).join(', ')
        last = { table, keys, columns, into, overRow, sql: `${into} values (${placeholders})`, row: placeholders }
        statements.set(signature, last)
      }
    }
    return { sql: last.sql, into: last.into, row: last.row, values, shape: last, source: record }
  }
}

/** rowInsertBuilder's INSERT, run: fixed SQL, prepared once per set of columns. */
export function rowInserter(
  dialect: SqlDialect,
  table: string,
  expressions: Readonly<Record<string, ColumnExpression>> = NO_EXPRESSIONS,
): (db: Kysely<Database>, row: object) => Promise<QueryResult<never>> {
  const build = rowInsertBuilder(table, expressions)
  const statements = new Map<string, FixedSql>()
  return (db, row) => {
    const { sql, values } = build(row)
    let statement = statements.get(sql)
    if (statement === undefined) {
      statement = fixedSql(dialect, sql)
      statements.set(sql, statement)
    }
    return statement.run(db, values)
  }
}

/** Kysely's CamelCasePlugin mapping for our names: `appId` → `app_id`. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
}
