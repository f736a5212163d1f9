import type { Kysely } from 'kysely'

// Passkeys (and any type whose answer names its credential) are looked up by that credential's id across the
// app — a usernameless sign-in knows no user yet — so factors get an index on (app_id, type, identifier).
// A factor can also be flagged for the operator: a passkey whose sign counter went backwards (a cloned
// authenticator) keeps working for nobody silently — the console and the API show the flag and its reason.
// Hosted sessions learn a purpose (`enroll`: add a factor, after a step-up whose token is kept sealed) and the
// user they are for.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('factors').addColumn('flagged_at', 'bigint').execute()
  await db.schema.alterTable('factors').addColumn('flag_reason', 'text').execute()
  await db.schema
    .createIndex('factors_app_id_type_identifier')
    .on('factors')
    .columns(['app_id', 'type', 'identifier'])
    .execute()
  await db.schema
    .alterTable('hosted_sessions')
    .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('verify'))
    .execute()
  await db.schema.alterTable('hosted_sessions').addColumn('user_id', 'text').execute()
  await db.schema.alterTable('hosted_sessions').addColumn('sealed_step_up', 'text').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hosted_sessions').dropColumn('sealed_step_up').execute()
  await db.schema.alterTable('hosted_sessions').dropColumn('user_id').execute()
  await db.schema.alterTable('hosted_sessions').dropColumn('purpose').execute()
  await db.schema.dropIndex('factors_app_id_type_identifier').execute()
  await db.schema.alterTable('factors').dropColumn('flag_reason').execute()
  await db.schema.alterTable('factors').dropColumn('flagged_at').execute()
}
