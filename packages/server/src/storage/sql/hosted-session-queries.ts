import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { HostedSessionRepository } from '../store.js'

/** Hosted sessions; the single-use steps (link, completion) are conditional updates. */
export function createHostedSessionQueries(db: Kysely<Database>): HostedSessionRepository {
  return {
    async insert(session) {
      await db.insertInto('hostedSessions').values(session).execute()
    },
    findById: (id) => db.selectFrom('hostedSessions').selectAll().where('id', '=', id).executeTakeFirst(),
    async attachVerification(id, change) {
      const result = await db
        .updateTable('hostedSessions')
        .set({
          verificationId: change.verificationId,
          channel: change.channel,
          linkHash: change.linkHash,
          updatedAt: change.now,
        })
        .where('id', '=', id)
        .where('completedAt', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async replaceLinkHash(id, verificationId, linkHash, now) {
      const result = await db
        .updateTable('hostedSessions')
        .set({ linkHash, updatedAt: now })
        .where('id', '=', id)
        .where('verificationId', '=', verificationId)
        .where('completedAt', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async consumeLink(id, linkHash, now) {
      const result = await db
        .updateTable('hostedSessions')
        .set({ linkHash: null, updatedAt: now })
        .where('id', '=', id)
        .where('linkHash', '=', linkHash)
        .where('completedAt', 'is', null)
        .where('expiresAt', '>', now)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async complete(id, now) {
      const result = await db
        .updateTable('hostedSessions')
        .set({ completedAt: now, linkHash: null, updatedAt: now })
        .where('id', '=', id)
        .where('completedAt', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
  }
}
