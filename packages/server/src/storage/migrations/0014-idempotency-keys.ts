import type { Kysely } from 'kysely'

// Idempotency-Key (POST starts, resends, sessions, binds, challenges): one row per app and key.
// The primary key is what makes the in-flight claim safe across instances: of two parallel
// requests with the same key, only one INSERT can create (or take over an expired) row.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('claim_id', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('locked_until', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['app_id', 'idempotency_key'])
    .execute()
  await db.schema.createIndex('idempotency_keys_expires_at').on('idempotency_keys').column('expires_at').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute()
}
