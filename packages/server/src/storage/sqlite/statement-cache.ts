import type BetterSqlite3 from 'better-sqlite3'

/** Distinct SQL texts kept prepared; the hot paths use a few dozen, the bound only stops a leak. */
const STATEMENT_CACHE_SIZE = 500

/**
 * Prepared statements by SQL text, least recently used dropped first: preparing parses and plans the SQL,
 * which cost more than running the statement on the hot paths.
 */
export class StatementCache {
  readonly #statements = new Map<string, BetterSqlite3.Statement>()

  constructor(private readonly database: BetterSqlite3.Database) {}

  get(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql)
    if (statement) {
      // Refresh its place: the Map's insertion order is the eviction order.
      this.#statements.delete(sql)
    } else {
      statement = this.database.prepare(sql)
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value
        if (oldest !== undefined) this.#statements.delete(oldest)
      }
    }
    this.#statements.set(sql, statement)
    return statement
  }
}
