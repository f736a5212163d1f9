import type { Kysely } from 'kysely'

// The Twilio Verify v2-compatible face (issue 18, docs/twilio-compat.md). A service (`VA…`) is a set of
// settings over one app (code length, custom codes, the name in messages); an app may have several. A
// verification started through it keeps its Twilio sid (`VE…`) beside the Tessera verification it is, and
// every code sent for it is one `send_code_attempts` entry (`VL…`): insert-only rows, so parallel starts
// that resend cannot lose an entry. `held_tokens` keeps the verification token of an approval made through
// a face that cannot answer one (Twilio's check has no token field), sealed with the server key, until the
// app picks it up once with GET /v1/verifications/{id}. The app's `account_sid` needs no column: it is
// derived from the app id (core/account-sid.ts), so it is stable and every existing app has one.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('verify_services')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    // JSON of the service's options (code_length, custom_code_enabled, lookup_enabled, …).
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('verify_services_app_id_created_at')
    .on('verify_services')
    .columns(['app_id', 'created_at'])
    .execute()

  await db.schema
    .createTable('verify_service_verifications')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('service_sid', 'text', (c) => c.notNull())
    .addColumn('verification_id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('verify_service_verifications_service')
    .on('verify_service_verifications')
    .columns(['app_id', 'service_sid', 'created_at'])
    .execute()

  await db.schema
    .createTable('verify_send_attempts')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('verification_sid', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('verify_send_attempts_verification')
    .on('verify_send_attempts')
    .columns(['verification_sid', 'created_at'])
    .execute()

  await db.schema
    .createTable('held_tokens')
    .addColumn('verification_id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('sealed_token', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('held_tokens_expires_at').on('held_tokens').column('expires_at').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['held_tokens', 'verify_send_attempts', 'verify_service_verifications', 'verify_services']) {
    await db.schema.dropTable(table).execute()
  }
}
