import { type Kysely, sql } from 'kysely'

// A factor's guesses are claimed before they are judged: guesses_in_flight counts those not judged yet.
// uniform_responses decoys count and lock like factors: one decoy row per app, user and type (status 'decoy'),
// so racing challenges for a user without the factor share one failure budget, as they would share a factor's.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  // Guesses claimed before they are judged (core/guess-budget.ts).
  await db.schema
    .alterTable('factors')
    .addColumn('guesses_in_flight', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`create unique index factors_decoy_per_user_type on factors (app_id, user_id, type) where status = 'decoy'`.execute(
    db,
  )
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from factors where status = 'decoy'`.execute(db)
  await sql`drop index factors_decoy_per_user_type`.execute(db)
  await db.schema.alterTable('factors').dropColumn('guesses_in_flight').execute()
}
