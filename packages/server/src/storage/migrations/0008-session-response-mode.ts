import type { Kysely } from 'kysely'

// Hosted sessions with `response_mode: "code"` (issue 13, part 10): the
// browser comes back with a one-time code instead of the token, and the
// app's backend exchanges it. The session row holds the code's keyed hash,
// its expiry and the token sealed with the server key until the exchange
// spends them. SQLite adds one column per ALTER TABLE statement.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('hosted_sessions')
    .addColumn('response_mode', 'text', (c) => c.notNull().defaultTo('token'))
    .execute()
  await db.schema.alterTable('hosted_sessions').addColumn('exchange_code_hash', 'text').execute()
  await db.schema.alterTable('hosted_sessions').addColumn('exchange_expires_at', 'bigint').execute()
  await db.schema.alterTable('hosted_sessions').addColumn('sealed_token', 'text').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['sealed_token', 'exchange_expires_at', 'exchange_code_hash', 'response_mode']) {
    await db.schema.alterTable('hosted_sessions').dropColumn(column).execute()
  }
}
