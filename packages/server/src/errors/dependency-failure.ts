/**
 * Whether an error means a dependency (the database) is unreachable or went
 * away, rather than a bug: such a request answers 503 and the service
 * recovers by itself once the dependency is back.
 */
export function isDependencyFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') {
    // Node socket errors, PostgreSQL connection (08xxx) and operator-intervention (57Pxx) classes, SQLite busy/locked.
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND)$/.test(code)) return true
    if (/^08|^57P/.test(code)) return true
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true
    // Inside a transaction (storage/postgres/named-statements.ts retries it outside one): a retry succeeds.
    if (isStaleStatement(error)) return true
  }
  const message = error instanceof Error ? error.message : ''
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  )
}

/**
 * A PostgreSQL named statement that the same text would not fail unnamed: its cached plan's result type changed
 * under DDL (another instance's migration added a column to a `select *`), or the statement is gone from the
 * connection. storage/postgres/named-statements.ts runs the text unnamed from then on.
 */
export function isStaleStatement(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  return (
    code === '26000' || (code === '0A000' && typeof message === 'string' && message.includes('cached plan must not'))
  )
}
