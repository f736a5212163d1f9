import type { Kysely } from 'kysely'

// Signed event webhooks (docs/events.md). The event log becomes the transactional outbox: an event is
// written in the transaction of the change it reports, with its webhook body (`payload`, fixed once so
// every retry sends the same bytes) and `dispatch_pending` = 1 until a dispatcher has fanned it out to the
// app's endpoints (one `webhook_messages` row each). Each try of a message is a `webhook_attempts` row.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table typings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('events').addColumn('payload', 'text').execute()
  await db.schema
    .alterTable('events')
    .addColumn('dispatch_pending', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .createIndex('events_dispatch_pending')
    .on('events')
    .columns(['dispatch_pending', 'created_at'])
    .execute()

  // The expiry sweep (verification.expired) looks for pending rows past their expiry.
  await db.schema
    .createIndex('verifications_status_expires_at')
    .on('verifications')
    .columns(['status', 'expires_at'])
    .execute()

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'bigint')
    .addColumn('failing_since', 'bigint')
    .addColumn('disabled_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_endpoints_app_id').on('webhook_endpoints').column('app_id').execute()

  await db.schema
    .createTable('webhook_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('claimed_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('webhook_messages_due')
    .on('webhook_messages')
    .columns(['status', 'next_attempt_at'])
    .execute()
  await db.schema.createIndex('webhook_messages_event_id').on('webhook_messages').column('event_id').execute()

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('attempted_at', 'bigint', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('succeeded', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_attempts_event_id').on('webhook_attempts').column('event_id').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['webhook_attempts', 'webhook_messages', 'webhook_endpoints']) {
    await db.schema.dropTable(table).execute()
  }
  await db.schema.dropIndex('verifications_status_expires_at').execute()
  await db.schema.dropIndex('events_dispatch_pending').execute()
  await db.schema.alterTable('events').dropColumn('dispatch_pending').execute()
  await db.schema.alterTable('events').dropColumn('payload').execute()
}
