import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { WebhookRepository } from '../store.js'
import type { SqlDialect } from './fixed-sql.js'

export function createWebhookQueries(db: Kysely<Database>, dialect: SqlDialect): WebhookRepository {
  const countOf = (row: { n: number | string | bigint } | undefined) => Number(row?.n ?? 0)
  return {
    async insertEndpoint(endpoint) {
      await db.insertInto('webhookEndpoints').values(endpoint).execute()
    },
    findEndpoint(appId, id) {
      return db
        .selectFrom('webhookEndpoints')
        .selectAll()
        .where('appId', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst()
    },
    listEndpoints(appId) {
      return db
        .selectFrom('webhookEndpoints')
        .selectAll()
        .where('appId', '=', appId)
        .orderBy('createdAt')
        .orderBy('id')
        .execute()
    },
    async countEndpointsLocked(appId) {
      // The app's row is the lock concurrent creations queue on (SQLite's transaction already serialises them).
      if (dialect === 'postgres') {
        await db.selectFrom('apps').select('id').where('id', '=', appId).forUpdate().execute()
      }
      const row = await db
        .selectFrom('webhookEndpoints')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('appId', '=', appId)
        .executeTakeFirst()
      return countOf(row)
    },
    async updateEndpoint(appId, id, changes) {
      const set: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(changes)) if (value !== undefined) set[key] = value
      await db.updateTable('webhookEndpoints').set(set).where('appId', '=', appId).where('id', '=', id).execute()
      return this.findEndpoint(appId, id)
    },
    async deleteEndpoint(appId, id) {
      const deleted = await db
        .deleteFrom('webhookEndpoints')
        .where('appId', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(deleted.numDeletedRows) === 0) return false
      await db.deleteFrom('webhookMessages').where('endpointId', '=', id).where('status', '=', 'pending').execute()
      return true
    },
    async insertMessages(messages) {
      if (messages.length === 0) return
      await db
        .insertInto('webhookMessages')
        .values([...messages])
        .execute()
    },
    async claimDue(now, claimedUntil, limit) {
      const query = db
        .selectFrom('webhookMessages')
        .selectAll()
        .where('status', '=', 'pending')
        .where('nextAttemptAt', '<=', now)
        .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<=', now)]))
        .orderBy('nextAttemptAt')
        .orderBy('id')
        .limit(limit)
      // PostgreSQL: instances running this at once each take rows the others have not locked.
      const rows = await (dialect === 'postgres' ? query.forUpdate().skipLocked() : query).execute()
      if (rows.length === 0) return rows
      await db
        .updateTable('webhookMessages')
        .set({ claimedUntil })
        .where(
          'id',
          'in',
          rows.map((row) => row.id),
        )
        .execute()
      return rows.map((row) => ({ ...row, claimedUntil }))
    },
    async settleMessage(id, claimedUntil, change) {
      const result = await db
        .updateTable('webhookMessages')
        .set({
          status: change.status,
          attempts: change.attempts,
          nextAttemptAt: change.nextAttemptAt,
          claimedUntil: null,
          updatedAt: change.now,
        })
        .where('id', '=', id)
        .where('claimedUntil', '=', claimedUntil)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    async failPendingMessages(endpointId, now) {
      await db
        .updateTable('webhookMessages')
        .set({ status: 'failed', nextAttemptAt: null, claimedUntil: null, updatedAt: now })
        .where('endpointId', '=', endpointId)
        .where('status', '=', 'pending')
        .execute()
    },
    async insertAttempt(attempt) {
      await db.insertInto('webhookAttempts').values(attempt).execute()
    },
    listAttempts(appId, eventIds) {
      if (eventIds.length === 0) return Promise.resolve([])
      return db
        .selectFrom('webhookAttempts')
        .selectAll()
        .where('appId', '=', appId)
        .where('eventId', 'in', [...eventIds])
        .orderBy('attemptedAt')
        .orderBy('id')
        .execute()
    },
    async countPendingMessages() {
      const row = await db
        .selectFrom('webhookMessages')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirst()
      return countOf(row)
    },
  }
}
