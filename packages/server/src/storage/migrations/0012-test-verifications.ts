import type { Kysely } from 'kysely'

// Test recipients (issue 20): a verification to one of an app's `test_recipients` sends nothing and takes
// that entry's fixed code. The row says so (1), so answers, events and the console can mark it and the
// dashboard's conversion figures can leave it out. An integer, not a boolean: SQLite binds no booleans.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('verifications')
    .addColumn('test', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('verifications').dropColumn('test').execute()
}
