import type { Kysely } from 'kysely'

// Operator console sessions, stored so they can be listed and revoked (one,
// or all: "sign out everywhere") without changing the admin key. The cookie
// holds a random secret; only its keyed hash is stored, so a database reader
// cannot sign in with a row.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('client_ip_masked', 'text')
    .addColumn('user_agent_summary', 'text')
    .execute()
  await db.schema.createIndex('console_sessions_expires_at').on('console_sessions').column('expires_at').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('console_sessions').execute()
}
