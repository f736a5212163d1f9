import { type Kysely, sql } from 'kysely'
import type { Database } from '../database.js'
import type { MaintenanceRepository, PruneCounts } from '../store.js'
import { deleteOldRows } from './delete-old-rows.js'

/** An arbitrary constant naming Tessera's maintenance lock among the database's advisory locks. */
const PRUNE_LOCK_KEY = 7_240_315_001

/**
 * What a prune pass deletes, in this order: each table with the SQL condition (its `?` the cutoff) that makes
 * one of its rows no longer matter, and the count the pass reports it under, if any.
 */
const PRUNED: ReadonlyArray<readonly [table: string, condition: string, counted?: keyof PruneCounts]> = [
  // Verifications past expiry, tokens past expiry, old events.
  ['verifications', '"expires_at" < ?', 'verifications'],
  ['tokens', '"expires_at" < ?', 'tokens'],
  ['events', '"created_at" < ?', 'events'],
  // Hosted sessions past expiry lead nowhere (their verification expired with them).
  ['hosted_sessions', '"expires_at" < ?'],
  // Idempotency keys past their 24 hours are free again; their rows replay nothing.
  ['idempotency_keys', '"expires_at" < ?'],
  ['deliveries', '"created_at" < ?', 'deliveries'],
  // The Twilio face's sids and send attempts go with their verifications, held tokens with their expiry.
  ['held_tokens', '"expires_at" < ?'],
  [
    'verify_service_verifications',
    '"created_at" < ? and not exists (select 1 from "verifications" where "verifications"."id" = "verify_service_verifications"."verification_id")',
  ],
  [
    'verify_send_attempts',
    '"created_at" < ? and not exists (select 1 from "verify_service_verifications" where "verify_service_verifications"."sid" = "verify_send_attempts"."verification_sid")',
  ],
  // The outbox is bounded by retention: messages (delivered, given up or still retrying) go with their events.
  ['webhook_messages', '"created_at" < ?', 'webhookMessages'],
  ['webhook_attempts', '"attempted_at" < ?'],
]

export function createMaintenanceQueries(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): MaintenanceRepository {
  return {
    async pruneBefore(cutoff) {
      const counts = { verifications: 0, tokens: 0, events: 0, deliveries: 0, webhookMessages: 0 }
      for (const [table, condition, counted] of PRUNED) {
        const deleted = await deleteOldRows(db, dialect, table, condition, cutoff)
        if (counted !== undefined) counts[counted] = deleted
      }
      return counts
    },
    async runExclusive(task) {
      // SQLite serves one instance; PostgreSQL serves many, and one of them at a time does the work.
      if (dialect === 'sqlite') return { ran: true, result: await task() }
      return db.connection().execute(async (connection) => {
        const lock = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${PRUNE_LOCK_KEY}) as locked`.execute(
          connection,
        )
        if (!lock.rows[0]?.locked) return { ran: false }
        try {
          return { ran: true, result: await task() }
        } finally {
          await sql`select pg_advisory_unlock(${PRUNE_LOCK_KEY})`.execute(connection)
        }
      })
    },
  }
}
