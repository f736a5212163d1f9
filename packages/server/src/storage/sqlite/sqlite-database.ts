import SqliteDatabase from 'better-sqlite3'
import { CamelCasePlugin, Kysely } from 'kysely'
import type { Database } from '../database.js'
import { CachingSqliteDialect } from './sqlite-driver.js'

/**
 * The embedded default: one SQLite file in WAL mode (readers never block the
 * writer), or `:memory:` for tests.
 */
export function createSqliteDatabase(filename: string): Kysely<Database> {
  const sqlite = new SqliteDatabase(filename)
  sqlite.pragma('journal_mode = WAL')
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  return new Kysely<Database>({
    dialect: new CachingSqliteDialect(sqlite),
    plugins: [new CamelCasePlugin()],
  })
}
