import SqliteDatabase from 'better-sqlite3'
import { CamelCasePlugin, Kysely } from 'kysely'
import { ensurePrivateFile, PRIVATE_FILE_MODE, restrictMode } from '../../config/private-files.js'
import type { Database } from '../database.js'
import { CachingSqliteDialect } from './sqlite-driver.js'
import { startWalCheckpointer } from './wal-checkpointer.js'

export interface SqliteOptions {
  /** Told each file-mode change made at open (a database, WAL or SHM file left open to other users). */
  readonly onNotice?: (message: string) => void
}

/**
 * The embedded default: one SQLite file in WAL mode (readers never block the
 * writer), or `:memory:` for tests. The database, its WAL and its SHM file are
 * owner-only (0600), whatever the umask.
 */
export function createSqliteDatabase(filename: string, options: SqliteOptions = {}): Kysely<Database> {
  const onDisk = filename !== ':memory:' && filename !== ''
  const note = (line: string | undefined) => {
    if (line !== undefined) options.onNotice?.(line)
  }
  // Made before SQLite opens it: SQLite would create it 0644 (less the umask), and gives the WAL and SHM
  // files it creates later the database file's own mode.
  if (onDisk) note(ensurePrivateFile(filename))
  const sqlite = new SqliteDatabase(filename)
  sqlite.pragma('journal_mode = WAL')
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  // The journal of a batch's savepoints (sqlite-driver.ts groups each request's rows under one) holds a copy
  // of every page they change; past 64 KiB SQLite spills it to a temporary file, two pwrite calls a page: 23
  // syscalls a start under load, 4.7 with it kept in memory (issue 21). It lives only until its COMMIT, so it
  // is bounded by one batch; recovery after a crash needs only the WAL. (Temporary tables and sorts that
  // outgrow the cache stay in memory too: every query here is indexed and bounded.)
  sqlite.pragma('temp_store = MEMORY')
  // WAL and SHM files made by an older version (or another program) while the database was looser.
  if (onDisk) for (const suffix of ['-wal', '-shm']) note(restrictMode(`${filename}${suffix}`, PRIVATE_FILE_MODE))
  // Checkpoints in a worker thread, not in the COMMIT of whichever request crosses the threshold.
  const checkpointer = onDisk ? startWalCheckpointer(sqlite, filename, { onNotice: options.onNotice }) : undefined
  return new Kysely<Database>({
    dialect: new CachingSqliteDialect(sqlite, checkpointer),
    plugins: [new CamelCasePlugin()],
  })
}
