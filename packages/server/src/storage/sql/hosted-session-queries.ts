import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { HostedSessionRepository } from '../store.js'

/** Hosted sessions; the single-use steps (link, completion, code exchange) are conditional updates. */
export function createHostedSessionQueries(db: Kysely<Database>): HostedSessionRepository {
  return {
    async insert(session) {
      await db.insertInto('hostedSessions').values(session).execute()
    },
    async setStepUp(id, sealedStepUp, now) {
      const result = await db
        .updateTable('hostedSessions')
        .set({ sealedStepUp, updatedAt: now })
        .where('id', '=', id)
        .where('completedAt', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
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
    async complete(id, now, exchange) {
      const result = await db
        .updateTable('hostedSessions')
        .set({
          completedAt: now,
          linkHash: null,
          updatedAt: now,
          ...(exchange
            ? {
                exchangeCodeHash: exchange.codeHash,
                exchangeExpiresAt: exchange.expiresAt,
                sealedToken: exchange.sealedToken,
              }
            : {}),
        })
        .where('id', '=', id)
        .where('completedAt', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async exchangeCode(id, appId, codeHash, now) {
      const spend = async (trx: Kysely<Database>) => {
        // The one conditional UPDATE that decides: of parallel callers, one finds the hash still there.
        // It keeps the sealed token so RETURNING can hand it over (RETURNING shows the new row)…
        const spent = await trx
          .updateTable('hostedSessions')
          .set({ exchangeCodeHash: null, updatedAt: now })
          .where('id', '=', id)
          .where('appId', '=', appId)
          .where('exchangeCodeHash', '=', codeHash)
          .where('exchangeExpiresAt', '>', now)
          .returningAll()
          .executeTakeFirst()
        // …and the same transaction wipes it, so no committed state holds a spent code's token.
        if (spent) await trx.updateTable('hostedSessions').set({ sealedToken: null }).where('id', '=', id).execute()
        return spent
      }
      return db.isTransaction ? spend(db) : db.transaction().execute(spend)
    },
  }
}
