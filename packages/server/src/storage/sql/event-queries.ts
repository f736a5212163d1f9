import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { EventRepository } from '../store.js'

export function createEventQueries(db: Kysely<Database>): EventRepository {
  return {
    async insert(event) {
      await db.insertInto('events').values(event).execute()
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
  }
}
