import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { VerificationRepository } from '../store.js'

/**
 * Every state change here is one conditional UPDATE: the WHERE clause carries
 * the whole precondition (pending, unexpired, under the limit, same code), so
 * two racing requests — in one process or in many — cannot both pass it.
 */
export function createVerificationQueries(db: Kysely<Database>): VerificationRepository {
  const pendingAndLive = (id: string, codeHash: string, now: number) =>
    db
      .updateTable('verifications')
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('expiresAt', '>', now)
      .where('codeHash', '=', codeHash)
      .where((eb) => eb('attempts', '<', eb.ref('maxAttempts')))

  return {
    async insert(verification) {
      await db.insertInto('verifications').values(verification).execute()
    },
    findById: (appId, id) =>
      db.selectFrom('verifications').selectAll().where('id', '=', id).where('appId', '=', appId).executeTakeFirst(),
    listRecent(appId, { limit, before }) {
      let query = db
        .selectFrom('verifications')
        .selectAll()
        .where('appId', '=', appId)
        .orderBy('createdAt', 'desc')
        .limit(limit)
      if (before !== undefined) query = query.where('createdAt', '<', before)
      return query.execute()
    },
    search(appId, filter) {
      let query = db
        .selectFrom('verifications')
        .selectAll()
        .where('appId', '=', appId)
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit)
      if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel)
      if (filter.scene !== undefined) query = query.where('scene', '=', filter.scene)
      if (filter.from !== undefined) query = query.where('createdAt', '>=', filter.from)
      if (filter.to !== undefined) query = query.where('createdAt', '<', filter.to)
      // A pending row past its expiry is expired (effectiveStatus), whether or not a request wrote that yet.
      if (filter.status === 'pending') {
        query = query.where('status', '=', 'pending').where('expiresAt', '>', filter.now)
      } else if (filter.status === 'expired') {
        query = query.where((eb) =>
          eb.or([
            eb('status', '=', 'expired'),
            eb.and([eb('status', '=', 'pending'), eb('expiresAt', '<=', filter.now)]),
          ]),
        )
      } else if (filter.status !== undefined) {
        query = query.where('status', '=', filter.status)
      }
      return query.execute()
    },
    findLatestForFactor: (appId, factorId, purpose) =>
      db
        .selectFrom('verifications')
        .selectAll()
        .where('appId', '=', appId)
        .where('factorId', '=', factorId)
        .where('purpose', '=', purpose)
        .orderBy('createdAt', 'desc')
        .limit(1)
        .executeTakeFirst(),
    async delete(appId, id) {
      await db.deleteFrom('verifications').where('id', '=', id).where('appId', '=', appId).execute()
    },
    recordFailedAttempt: (id, codeHash, now) =>
      pendingAndLive(id, codeHash, now)
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          status: eb
            .case()
            .when(eb(eb('attempts', '+', 1), '>=', eb.ref('maxAttempts')))
            .then('max_attempts_reached' as const)
            .else(eb.ref('status'))
            .end(),
          updatedAt: now,
        }))
        .returning(['attempts', 'status'])
        .executeTakeFirst(),
    async approve(id, codeHash, now) {
      const result = await pendingAndLive(id, codeHash, now)
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          status: 'approved' as const,
          approvedAt: now,
          updatedAt: now,
        }))
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    async reserveResend(id, { previousCodeHash, codeHash, now, expiresAt }) {
      const result = await db
        .updateTable('verifications')
        .set((eb) => ({
          sends: eb('sends', '+', 1),
          codeHash,
          lastSentAt: now,
          expiresAt,
          updatedAt: now,
        }))
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('expiresAt', '>', now)
        .where('codeHash', '=', previousCodeHash)
        .where((eb) =>
          eb.and([
            eb('sends', '<', eb.ref('maxSends')),
            // last_sent_at + cooldown * 1000 <= now
            eb(eb('lastSentAt', '+', eb(eb.ref('resendCooldownSeconds'), '*', 1000)), '<=', now),
          ]),
        )
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    async releaseResend(id, { reservedCodeHash, codeHash, lastSentAt, expiresAt, now }) {
      await db
        .updateTable('verifications')
        .set((eb) => ({ sends: eb('sends', '-', 1), codeHash, lastSentAt, expiresAt, updatedAt: now }))
        .where('id', '=', id)
        .where('codeHash', '=', reservedCodeHash)
        .where('status', '=', 'pending')
        .execute()
    },
    async finish(appId, id, status, now) {
      let query = db
        .updateTable('verifications')
        .set({ status, updatedAt: now })
        .where('id', '=', id)
        .where('appId', '=', appId)
        .where('status', '=', 'pending')
      // Only a verification that really ran out may be marked expired.
      if (status === 'expired') query = query.where('expiresAt', '<=', now)
      const result = await query.executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
  }
}
