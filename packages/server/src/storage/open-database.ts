import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Config } from '../config/config-schema.js'
import { ensurePrivateDir } from '../config/private-files.js'
import type { Database } from './database.js'
import { createSqliteDatabase } from './sqlite/sqlite-database.js'

function isPostgresUrl(url: string | undefined): boolean {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url)
}

export function dialectOf(config: Config): 'sqlite' | 'postgres' {
  return isPostgresUrl(config.databaseUrl) ? 'postgres' : 'sqlite'
}

/**
 * The configured database. PostgreSQL's and Redis's client libraries are loaded
 * only when configured: the embedded default starts without paying for them.
 */
export async function openDatabase(
  config: Config,
  options: { postgresSchema?: string; onNotice?: (message: string) => void } = {},
): Promise<Kysely<Database>> {
  const url = config.databaseUrl
  if (url !== undefined && isPostgresUrl(url)) {
    const { createPostgresDatabase } = await import('./postgres/postgres-database.js')
    return createPostgresDatabase({
      connectionString: url,
      poolSize: config.databasePoolSize,
      preparedStatements: config.databasePreparedStatements,
      schema: options.postgresSchema,
    })
  }
  const sqliteOptions = options.onNotice ? { onNotice: options.onNotice } : {}
  if (url === ':memory:') return createSqliteDatabase(':memory:')
  if (url?.startsWith('sqlite:')) return createSqliteDatabase(url.slice('sqlite:'.length), sqliteOptions)
  // Owner-only (0700), and tightened if an older version left it open: it holds identifiers, sessions, events.
  const notice = ensurePrivateDir(config.dataDir)
  if (notice !== undefined) options.onNotice?.(notice)
  return createSqliteDatabase(join(config.dataDir, 'tessera.db'), sqliteOptions)
}
