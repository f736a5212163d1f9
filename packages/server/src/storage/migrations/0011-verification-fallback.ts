import type { Kysely } from 'kysely'

// Fallback between channels (channels.<name>.fallback): when a verification's message on a channel with a
// fallback goes out, `fallback_due_at` says when the fallback channel takes over if no delivered receipt came.
// Every instance's sweep reads the due ones through the partial index; whoever clears the column first (a
// conditional update) is the one that sends, so no two instances send the fallback twice.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('verifications').addColumn('fallback_due_at', 'bigint').execute()
  await db.schema
    .createIndex('verifications_fallback_due_at')
    .on('verifications')
    .column('fallback_due_at')
    .where('fallback_due_at', 'is not', null)
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('verifications_fallback_due_at').execute()
  await db.schema.alterTable('verifications').dropColumn('fallback_due_at').execute()
}
