import { createRequire } from 'node:module'
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely'
import type { Database } from '../database.js'
import { withNamedStatements } from './named-statements.js'

// Required here, not imported: in the one-file build (bin/load-cli.js) a static import of a package left
// out of the build is hoisted to the file's top, and pg would load at every start, on SQLite too. This
// module itself is imported only when a PostgreSQL database is opened (storage/open-database.ts).
const pg = createRequire(import.meta.url)('pg') as typeof import('pg')

// int8 (bigint) columns hold epoch milliseconds and counts, all far below 2^53:
// read them as numbers, as SQLite does, so no engine's type leaks into the core.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

export interface PostgresOptions {
  readonly connectionString: string
  readonly poolSize: number
  /** Repeated queries as named statements (named-statements.ts); off behind a pooler that cannot keep them. */
  readonly preparedStatements?: boolean | undefined
  /** A schema to use (created if missing) instead of `public`: tests isolate themselves this way. */
  readonly schema?: string | undefined
}

/** Kysely over a pg pool. Connection errors surface as query errors; the pool reconnects on its own. */
export function createPostgresDatabase(options: PostgresOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  })
  // An idle client whose server went away emits 'error' on the pool; without a listener that would crash the process.
  pool.on('error', () => undefined)
  // A client checked out of the pool (between acquiring it and its query, or between the query and
  // its release) emits 'error' when its backend goes away (pg_terminate_backend, a restart): without
  // a listener that crashed every instance. The query in flight still fails (answered 503), and the
  // pool discards the broken client on release.
  pool.on('connect', (client) => {
    client.on('error', () => undefined)
  })
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: options.preparedStatements === false ? pool : withNamedStatements(pool) }),
    plugins: [new CamelCasePlugin()],
  })
}
