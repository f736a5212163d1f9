import { type Kysely, sql } from 'kysely'
import type { Database } from '../database.js'
import type { MaintenanceRepository } from '../store.js'

/** An arbitrary constant naming Tessera's maintenance lock among the database's advisory locks. */
const PRUNE_LOCK_KEY = 7_240_315_001

export function createMaintenanceQueries(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): MaintenanceRepository {
  return {
    async pruneBefore(cutoff) {
      // Rows that can no longer matter: verifications past expiry, tokens past expiry, old events and deliveries.
      const verifications = await db.deleteFrom('verifications').where('expiresAt', '<', cutoff).executeTakeFirst()
      const tokens = await db.deleteFrom('tokens').where('expiresAt', '<', cutoff).executeTakeFirst()
      const events = await db.deleteFrom('events').where('createdAt', '<', cutoff).executeTakeFirst()
      // Hosted sessions past expiry lead nowhere (their verification expired with them).
      await db.deleteFrom('hostedSessions').where('expiresAt', '<', cutoff).execute()
      // Idempotency keys past their 24 hours are free again; their rows replay nothing.
      await db.deleteFrom('idempotencyKeys').where('expiresAt', '<', cutoff).execute()
      const deliveries = await db.deleteFrom('deliveries').where('createdAt', '<', cutoff).executeTakeFirst()
      // The outbox is bounded by retention: messages (delivered, given up or still retrying) go with their events.
      const webhookMessages = await db.deleteFrom('webhookMessages').where('createdAt', '<', cutoff).executeTakeFirst()
      await db.deleteFrom('webhookAttempts').where('attemptedAt', '<', cutoff).execute()
      return {
        deliveries: Number(deliveries.numDeletedRows),
        verifications: Number(verifications.numDeletedRows),
        tokens: Number(tokens.numDeletedRows),
        events: Number(events.numDeletedRows),
        webhookMessages: Number(webhookMessages.numDeletedRows),
      }
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
