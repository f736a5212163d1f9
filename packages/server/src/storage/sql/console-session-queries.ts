import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ConsoleSessionRepository } from '../store.js'

export function createConsoleSessionQueries(db: Kysely<Database>): ConsoleSessionRepository {
  return {
    async insert(session) {
      await db.insertInto('consoleSessions').values(session).execute()
    },
    findBySecretHash: (secretHash) =>
      db.selectFrom('consoleSessions').selectAll().where('secretHash', '=', secretHash).executeTakeFirst(),
    listActive: (now, limit) =>
      db
        .selectFrom('consoleSessions')
        .selectAll()
        .where('revokedAt', 'is', null)
        .where('expiresAt', '>', now)
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    async touch(id, now, staleBefore) {
      await db
        .updateTable('consoleSessions')
        .set({ lastSeenAt: now })
        .where('id', '=', id)
        .where('lastSeenAt', '<', staleBefore)
        .execute()
    },
    async revoke(id, now) {
      const result = await db
        .updateTable('consoleSessions')
        .set({ revokedAt: now })
        .where('id', '=', id)
        .where('revokedAt', 'is', null)
        .where('expiresAt', '>', now)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    async revokeAll(now) {
      const result = await db
        .updateTable('consoleSessions')
        .set({ revokedAt: now })
        .where('revokedAt', 'is', null)
        .where('expiresAt', '>', now)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
    async deleteEndedBefore(cutoff) {
      await db
        .deleteFrom('consoleSessions')
        .where((eb) => eb.or([eb('expiresAt', '<', cutoff), eb('revokedAt', '<', cutoff)]))
        .execute()
    },
  }
}
