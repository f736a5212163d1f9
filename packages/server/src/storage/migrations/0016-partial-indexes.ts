import { type Kysely, sql } from 'kysely'

// Two indexes every start wrote an entry into that no query reads for most rows:
// - `events_dispatch_pending` held every event, while the dispatcher only ever asks for the pending ones (those
//   of apps with a webhook endpoint, until fanned out). Now only pending events are in it.
// - `deliveries_provider_message` held every delivery attempt, while a status callback only looks up attempts
//   by the message id a provider gave (the null provider, the console and a failed send give none). Now only
//   attempts with an id are in it.
// Each index is one B-tree page fewer written per commit of a start's rows (SQLite's WAL is page-granular),
// and less work per insert on both engines. The queries that read them imply the conditions (the dispatcher asks
// for `dispatch_pending = 1`, a lookup by message id for one that is not null), so both engines still use them
// (0016-partial-indexes.test.ts asks each for its plan).

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_dispatch_pending').execute()
  await db.schema
    .createIndex('events_dispatch_pending')
    .on('events')
    .column('created_at')
    .where(sql.ref('dispatch_pending'), '=', sql.lit(1))
    .execute()
  await db.schema.dropIndex('deliveries_provider_message').execute()
  await db.schema
    .createIndex('deliveries_provider_message')
    .on('deliveries')
    .columns(['provider', 'provider_message_id'])
    .where('provider_message_id', 'is not', null)
    .execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_provider_message').execute()
  await db.schema
    .createIndex('deliveries_provider_message')
    .on('deliveries')
    .columns(['provider', 'provider_message_id'])
    .execute()
  await db.schema.dropIndex('events_dispatch_pending').execute()
  await db.schema
    .createIndex('events_dispatch_pending')
    .on('events')
    .columns(['dispatch_pending', 'created_at'])
    .execute()
}
