/**
 * Whether an error means the database cannot store writes — the disk is full,
 * the file system or the server went read-only, storage I/O fails, or the
 * server ran out of a resource — rather than a bug in the request. Such a
 * request answers 503 `service_unavailable`, readiness fails until a write
 * succeeds again, and the service recovers by itself once space returns.
 *
 * Classified by code only (never by message, which varies by version and locale):
 * - SQLite (better-sqlite3's extended result codes): `SQLITE_FULL`, `SQLITE_IOERR_*`,
 *   `SQLITE_READONLY_*`, `SQLITE_CANTOPEN_*` (a WAL or SHM file that cannot be made), `SQLITE_NOMEM`.
 * - PostgreSQL SQLSTATE: class 53 insufficient resources (53000, 53100 disk_full, 53200
 *   out_of_memory, 53300 too_many_connections, 53400 configuration_limit_exceeded), 25006
 *   read_only_sql_transaction (a standby, or a database set read-only), class 58 system errors
 *   (58000 system_error, 58030 io_error).
 */
export function isStorageFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return false
  if (code.startsWith('SQLITE_')) return SQLITE_STORAGE_CODES.test(code)
  return POSTGRES_STORAGE_STATES.test(code)
}

const SQLITE_STORAGE_CODES = /^SQLITE_(FULL|NOMEM|IOERR|READONLY|CANTOPEN)(_[A-Z_]+)?$/
const POSTGRES_STORAGE_STATES = /^(53[0-9A-Z]{3}|25006|58000|58030)$/
