import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ApiKeyRepository } from '../store.js'

export function createApiKeyQueries(db: Kysely<Database>): ApiKeyRepository {
  return {
    async insert(key) {
      await db.insertInto('apiKeys').values(key).execute()
    },
    findActiveByHash: (keyHash) =>
      db
        .selectFrom('apiKeys')
        .selectAll()
        .where('keyHash', '=', keyHash)
        .where('revokedAt', 'is', null)
        .executeTakeFirst(),
    listByApp: (appId) =>
      db.selectFrom('apiKeys').selectAll().where('appId', '=', appId).orderBy('createdAt').execute(),
    async revoke(appId, keyId, at) {
      const result = await db
        .updateTable('apiKeys')
        .set({ revokedAt: at })
        .where('appId', '=', appId)
        .where('id', '=', keyId)
        .where('revokedAt', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
  }
}
