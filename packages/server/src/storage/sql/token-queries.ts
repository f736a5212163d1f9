import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { TokenRepository } from '../store.js'

export function createTokenQueries(db: Kysely<Database>): TokenRepository {
  return {
    async insert(token) {
      await db.insertInto('tokens').values(token).execute()
    },
    findByHash: (appId, tokenHash) =>
      db
        .selectFrom('tokens')
        .selectAll()
        .where('tokenHash', '=', tokenHash)
        .where('appId', '=', appId)
        .executeTakeFirst(),
    async consume(appId, tokenHash, now) {
      // Single-use is this one conditional update: of any number of racing
      // consumers exactly one sees a changed row.
      const result = await db
        .updateTable('tokens')
        .set({ consumedAt: now })
        .where('tokenHash', '=', tokenHash)
        .where('appId', '=', appId)
        .where('consumedAt', 'is', null)
        .where('expiresAt', '>', now)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
  }
}
