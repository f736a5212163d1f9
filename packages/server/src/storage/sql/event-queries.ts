import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { EventRepository } from '../store.js'
import { perDialect, rowInserter, type SqlDialect } from './fixed-sql.js'

// Failed checks and refused tokens each record one: fixed SQL (see fixed-sql.ts).
const insertEvent = perDialect((dialect) => rowInserter(dialect, 'events'))

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
  }
}
