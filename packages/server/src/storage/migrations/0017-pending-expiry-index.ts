import { type Kysely, sql } from 'kysely'

// The expiry sweep's index (verification.expired) held every verification by (status, expires_at), while the
// sweep only ever asks for pending ones past their expiry. So approving a verification moved its entry from the
// pending part of the index to the approved part: two B-tree pages written in the approval's commit (SQLite's WAL
// is page-granular), and an index that grew with every verification ever made. Now it holds pending ones only:
// an approval, a cancel or an expiry deletes the entry (one page), and the index is as large as what is pending.
// The sweep's query implies the condition (`status = 'pending'`), so both engines still use it
// (0017-pending-expiry-index.test.ts asks each for its plan), as 0016 did for two other indexes.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('verifications_status_expires_at').execute()
  await db.schema
    .createIndex('verifications_pending_expires_at')
    .on('verifications')
    .column('expires_at')
    .where(sql.ref('status'), '=', sql.lit('pending'))
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('verifications_pending_expires_at').execute()
  await db.schema
    .createIndex('verifications_status_expires_at')
    .on('verifications')
    .columns(['status', 'expires_at'])
    .execute()
}
