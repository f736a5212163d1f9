import { type Kysely, Migrator, sql } from 'kysely'
import type { Database } from '../database.js'
import { migrationProvider } from '../migrations/migrations.js'
import type { Store } from '../store.js'
import { createApiKeyQueries } from './api-key-queries.js'
import { createAppQueries } from './app-queries.js'
import { createEventQueries } from './event-queries.js'
import { createFactorQueries } from './factor-queries.js'
import { createMaintenanceQueries } from './maintenance-queries.js'
import { createSigningKeyQueries } from './signing-key-queries.js'
import { createTokenQueries } from './token-queries.js'
import { createVerificationQueries } from './verification-queries.js'

/** The Store over any Kysely dialect; engine specifics stay in the dialect folders. */
export function createSqlStore(db: Kysely<Database>, dialect: 'sqlite' | 'postgres' = 'sqlite'): Store {
  return {
    apps: createAppQueries(db),
    apiKeys: createApiKeyQueries(db),
    verifications: createVerificationQueries(db),
    tokens: createTokenQueries(db),
    signingKeys: createSigningKeyQueries(db),
    events: createEventQueries(db),
    factors: createFactorQueries(db),
    maintenance: createMaintenanceQueries(db, dialect),
    transaction: (work) => db.transaction().execute((trx) => work(createSqlStore(trx, dialect))),
    async ping() {
      await sql`select 1`.execute(db)
    },
    close: () => db.destroy(),
  }
}

/** Applies every pending migration; throws with the failing migration's error. */
export async function migrateToLatest(
  db: Kysely<Database>,
  options: { dialect?: 'sqlite' | 'postgres'; schema?: string } = {},
): Promise<string[]> {
  const schema =
    options.schema ??
    (options.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined)
  // With a schema named, Kysely looks for its bookkeeping tables there only; otherwise it may
  // find another schema's tables (other tenants, parallel test schemas) and skip creating its own.
  const migrator = new Migrator({
    db: db.withoutPlugins(),
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
