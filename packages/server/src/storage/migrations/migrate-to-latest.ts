import { type Kysely, sql } from 'kysely'
import type { Database } from '../database.js'
import { MIGRATIONS } from './migrations.js'

/** An arbitrary constant naming Tessera's migration lock among PostgreSQL's advisory locks. */
const MIGRATION_LOCK_KEY = 7_240_315_000

/**
 * Applies every pending migration in one transaction, in order, and answers
 * their names. On PostgreSQL an advisory lock makes instances that start
 * together take turns (DDL is transactional there); on SQLite the
 * transaction itself serialises writers.
 *
 * Why not Kysely's Migrator: it checks for its bookkeeping tables by scanning
 * every schema in the database, which fails when another schema is dropped
 * meanwhile (other tenants of a shared server, parallel test schemas) and can
 * mistake another schema's tables for its own. This runner only ever looks
 * at its own table in the current schema.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  options: { dialect?: 'sqlite' | 'postgres' } = {},
): Promise<string[]> {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the raw schema, not the current typings.
  const raw = db.withoutPlugins() as Kysely<any>
  return raw.transaction().execute(async (trx) => {
    if (options.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx)
    await trx.schema
      .createTable('tessera_migrations')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .execute()
    const done = new Set(
      (await trx.selectFrom('tessera_migrations').select('name').execute()).map((row: { name: string }) => row.name),
    )
    const applied: string[] = []
    for (const [name, migration] of MIGRATIONS) {
      if (done.has(name)) continue
      await migration.up(trx)
      await trx.insertInto('tessera_migrations').values({ name, applied_at: Date.now() }).execute()
      applied.push(name)
    }
    return applied
  })
}
