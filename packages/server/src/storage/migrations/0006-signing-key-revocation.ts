import type { Kysely } from 'kysely'

// A signing key can be revoked: it leaves the JWKS at once and the tokens it
// signed answer `revoked`. Distinct from `retired_at` (a rotated key stays
// published while its tokens live); a revoked key is never published again.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('signing_keys').addColumn('revoked_at', 'bigint').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('signing_keys').dropColumn('revoked_at').execute()
}
