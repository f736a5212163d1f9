import { type Kysely, sql } from 'kysely'
import type { Database } from '../database.js'
import type { MaintenanceRepository } from '../store.js'
import { deleteOldRows, type OldRows } from './delete-old-rows.js'

/** An arbitrary constant naming Tessera's maintenance lock among the database's advisory locks. */
const PRUNE_LOCK_KEY = 7_240_315_001

/**
 * What a prune pass deletes, in this order: each table with the SQL condition (its `?` the cutoff) that makes
 * one of its rows no longer matter, the count the pass reports it under, if any, and, where the table's key is a
 * time-ordered id (`generateId`) made no later than the time its condition compares, that key (OldRows).
 */
const PRUNED: readonly OldRows[] = [
  // Verifications past expiry, tokens past expiry, old events.
  { table: 'verifications', condition: '"expires_at" < ?', counted: 'verifications', key: ['id', 'ver'] },
  { table: 'tokens', condition: '"expires_at" < ?', counted: 'tokens', key: ['id', 'tok'] },
  { table: 'events', condition: '"created_at" < ?', counted: 'events', key: ['id', 'evt'] },
  // Hosted sessions past expiry lead nowhere (their verification expired with them).
  { table: 'hosted_sessions', condition: '"expires_at" < ?', key: ['id', 'ses'] },
  // Idempotency keys past their 24 hours are free again; their rows replay nothing.
  { table: 'idempotency_keys', condition: '"expires_at" < ?' },
  // An attempt's id is made after its send, from the same clock as its `created_at`, which is when it began.
  { table: 'deliveries', condition: '"created_at" < ?', counted: 'deliveries', key: ['id', 'dlv'] },
  // The Twilio face's sids and send attempts go with their verifications, held tokens with their expiry.
  { table: 'held_tokens', condition: '"expires_at" < ?', key: ['verification_id', 'ver'] },
  {
    table: 'verify_service_verifications',
    condition:
      '"created_at" < ? and not exists (select 1 from "verifications" where "verifications"."id" = "verify_service_verifications"."verification_id")',
  },
  {
    table: 'verify_send_attempts',
    condition:
      '"created_at" < ? and not exists (select 1 from "verify_service_verifications" where "verify_service_verifications"."sid" = "verify_send_attempts"."verification_sid")',
  },
  // The outbox is bounded by retention: messages (delivered, given up or still retrying) go with their events.
  { table: 'webhook_messages', condition: '"created_at" < ?', counted: 'webhookMessages', key: ['id', 'wmsg'] },
  { table: 'webhook_attempts', condition: '"attempted_at" < ?', key: ['id', 'wat'] },
]

export function createMaintenanceQueries(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): MaintenanceRepository {
  return {
    async pruneBefore(cutoff) {
      const counts = { verifications: 0, tokens: 0, events: 0, deliveries: 0, webhookMessages: 0 }
      for (const oldRows of PRUNED) {
        const deleted = await deleteOldRows(db, dialect, oldRows, cutoff)
        if (oldRows.counted !== undefined) counts[oldRows.counted] = deleted
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
