import type { Kysely } from 'kysely'

// Hosted verification sessions (POST /v1/sessions): what the hosted pages need
// to carry a person from "enter your phone" to the app's redirect URL.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hosted_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('scene', 'text', (c) => c.notNull())
    .addColumn('channels', 'text', (c) => c.notNull())
    .addColumn('preset_to', 'text')
    .addColumn('redirect_url', 'text', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('locale', 'text')
    .addColumn('verification_id', 'text')
    .addColumn('channel', 'text')
    .addColumn('link_hash', 'text')
    .addColumn('completed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('hosted_sessions_expires_at').on('hosted_sessions').column('expires_at').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hosted_sessions').execute()
}
