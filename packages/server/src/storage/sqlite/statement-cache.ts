import type BetterSqlite3 from 'better-sqlite3'

/** Distinct SQL texts kept prepared; the hot paths use a few dozen, the bound only stops a leak. */
const STATEMENT_CACHE_SIZE = 500

/**
 * Prepared statements by SQL text, the first prepared dropped first once the bound is reached: preparing
 * parses and plans the SQL, which cost more than running the statement on the hot paths.
 *
 * A hit changes nothing. Keeping least-recently-used order (a delete and a set per hit) made the long-lived
 * Map rebuild its table every few dozen statements, and each new table, young and referenced from the old
 * Map, was promoted by the next scavenge only to die there (docs/benchmarks.md, "Promoted by a getter"). The
 * bound is only reached when SQL texts leak (lists of ever new lengths); a hot statement dropped then is
 * prepared again once.
 */
export class StatementCache {
  readonly #statements = new Map<string, BetterSqlite3.Statement>()

  constructor(private readonly database: BetterSqlite3.Database) {}

  get(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql)
    if (statement === undefined) {
      statement = this.database.prepare(sql)
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const first = this.#statements.keys().next().value
        if (first !== undefined) this.#statements.delete(first)
      }
      this.#statements.set(sql, statement)
    }
    return statement
  }
}
