// Every start wrote an entry into `deliveries_created_at`, which only the prune pass could read: SQLite's prune
// walks each table in rowid order (sql/delete-old-rows.ts) and never used it, and PostgreSQL's runs one DELETE
// on its own side, as it already does for events and verifications, whose conditions no index serves either.
// One B-tree fewer a start's commit writes into (SQLite's WAL is page-granular): 15.75 -> 14.66 WAL pages a
// start alone in its commit, 9.53 -> 8.94 two a commit (docs/benchmarks.md).

import type { Kysely } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_created_at').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('deliveries_created_at').on('deliveries').column('created_at').execute()
}
