import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { AppRepository } from '../store.js'

export function createAppQueries(db: Kysely<Database>): AppRepository {
  return {
    async insert(app) {
      await db.insertInto('apps').values(app).execute()
    },
    findById: (id) => db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst(),
    list({ limit, after }) {
      let query = db.selectFrom('apps').selectAll().orderBy('id').limit(limit)
      if (after !== undefined) query = query.where('id', '>', after)
      return query.execute()
    },
    update: (id, changes) => db.updateTable('apps').set(changes).where('id', '=', id).returningAll().executeTakeFirst(),
  }
}
