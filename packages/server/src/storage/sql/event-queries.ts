import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { EventRepository } from '../store.js'
import { type ColumnExpression, perDialect, rowInserter, type SqlDialect } from './fixed-sql.js'

/**
 * An event waits for the dispatcher (`dispatch_pending`) only when its app has an enabled webhook endpoint
 * as it commits: the outbox costs nothing to apps that take no webhooks (one index lookup), and an
 * endpoint receives the events that commit after it was created (docs/events.md). Used by every INSERT
 * of an event (here and Store.insertAll).
 */
export const EVENT_COLUMN_EXPRESSIONS: Readonly<Record<string, ColumnExpression>> = {
  dispatchPending: {
    sql: 'case when ? = 1 and exists (select 1 from "webhook_endpoints" where "app_id" = ? and "enabled" = 1) then 1 else 0 end',
    parameters: (row) => [row.dispatchPending, row.appId],
    overRow:
      'case when r."dispatch_pending" = 1 and exists (select 1 from "webhook_endpoints" where "app_id" = r."app_id" and "enabled" = 1) then 1 else 0 end',
  },
}

// Failed checks and refused tokens each record one: fixed SQL (see fixed-sql.ts).
const insertEvent = perDialect((dialect) => rowInserter(dialect, 'events', EVENT_COLUMN_EXPRESSIONS))

export function createEventQueries(db: Kysely<Database>, dialect: SqlDialect): EventRepository {
  const insert = insertEvent(dialect)
  return {
    async insert(event) {
      await insert(db, event)
    },
    listRecent(appId, { limit, before, kind }) {
      let query = db
        .selectFrom('events')
        .selectAll()
        .where('appId', '=', appId)
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
      if (before !== undefined) query = query.where('createdAt', '<', before)
      if (kind !== undefined) query = query.where('kind', '=', kind)
      return query.execute()
    },
    listByVerification(appId, verificationId, limit) {
      return db
        .selectFrom('events')
        .selectAll()
        .where('appId', '=', appId)
        .where('verificationId', '=', verificationId)
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute()
    },
    findById(appId, id) {
      return db.selectFrom('events').selectAll().where('appId', '=', appId).where('id', '=', id).executeTakeFirst()
    },
    takeUndispatched(limit) {
      const query = db
        .selectFrom('events')
        .selectAll()
        .where('dispatchPending', '=', 1)
        .orderBy('createdAt')
        .orderBy('id')
        .limit(limit)
      // SQLite has one writer at a time (the transaction is the lock); PostgreSQL's dispatchers skip each other's rows.
      return (dialect === 'postgres' ? query.forUpdate().skipLocked() : query).execute()
    },
    async markDispatched(ids) {
      if (ids.length === 0) return
      await db.updateTable('events').set({ dispatchPending: 0 }).where('id', 'in', ids).execute()
    },
    async countUndispatched() {
      const row = await db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('dispatchPending', '=', 1)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },
  }
}
