import type { Kysely } from 'kysely'

// Factors (a verifier bound to a user), their one-time codes (backup codes),
// and the links from verifications and tokens to the factor they proved.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('factors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text')
    .addColumn('label', 'text')
    .addColumn('material', 'text')
    .addColumn('last_counter', 'bigint')
    .addColumn('failure_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lock_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute()
  await db.schema.createIndex('factors_app_id_user_id').on('factors').columns(['app_id', 'user_id']).execute()

  await db.schema
    .createTable('factor_codes')
    .addColumn('factor_id', 'text', (c) => c.notNull().references('factors.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('factor_codes_pk', ['factor_id', 'code_hash'])
    .execute()

  await db.schema.alterTable('verifications').addColumn('factor_id', 'text').execute()
  await db.schema
    .alterTable('verifications')
    .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('verify'))
    .execute()
  await db.schema.alterTable('tokens').addColumn('factor_id', 'text').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tokens').dropColumn('factor_id').execute()
  await db.schema.alterTable('verifications').dropColumn('purpose').execute()
  await db.schema.alterTable('verifications').dropColumn('factor_id').execute()
  await db.schema.dropTable('factor_codes').execute()
  await db.schema.dropTable('factors').execute()
}
