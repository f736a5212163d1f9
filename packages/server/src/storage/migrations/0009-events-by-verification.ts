import type { Kysely } from 'kysely'

// The console's verification page reads that verification's events
// (events.listByVerification) instead of the app's latest 200 filtered in
// memory, which missed older ones on a busy app. Most events name no
// verification; the index serves the lookup in the order it answers.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('events_app_id_verification_id')
    .on('events')
    .columns(['app_id', 'verification_id', 'created_at'])
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_app_id_verification_id').execute()
}
