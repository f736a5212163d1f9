import type { Kysely } from 'kysely'
import type { Database, FactorRow } from '../database.js'
import type { FactorRepository } from '../store.js'
import { fixedSql, perDialect, type SqlDialect } from './fixed-sql.js'

// A factor challenge's check (lookup, one-time counter claim, success) is on the hot path: fixed SQL (see fixed-sql.ts).
const statements = perDialect((dialect) => ({
  findById: fixedSql(dialect, 'select * from "factors" where "id" = ? and "app_id" = ?'),
  // Single use of a TOTP step: only a counter above the last one used raises it.
  claimCounter: fixedSql(
    dialect,
    'update "factors" set "last_counter" = ? where "id" = ? and ("last_counter" is null or "last_counter" < ?)',
  ),
  // A success counts only while the factor is unlocked: a lock that landed while the answer was judged wins.
  recordSuccess: fixedSql(
    dialect,
    `update "factors" set "failure_count" = ${FAILURES_SINCE_CLAIM}, "lock_count" = 0, "locked_until" = null, ${ONE_LESS_IN_FLIGHT}, "last_used_at" = ?, "updated_at" = ? where "id" = ? and ${UNLOCKED}`,
  ),
  // A guess is claimed before it is judged, only while the failures so far plus the guesses still being judged
  // stay under max_failures: however many guesses race, on however many instances, no more are ever judged.
  claimGuess: fixedSql(
    dialect,
    `update "factors" set "guesses_in_flight" = "guesses_in_flight" + 1, "updated_at" = ? where "id" = ? and ${UNLOCKED} and "failure_count" + "guesses_in_flight" < ? returning "failure_count", "lock_count"`,
  ),
  releaseGuess: fixedSql(dialect, `update "factors" set ${ONE_LESS_IN_FLIGHT}, "updated_at" = ? where "id" = ?`),
  recordFailure: fixedSql(
    dialect,
    `update "factors" set "failure_count" = "failure_count" + 1, ${ONE_LESS_IN_FLIGHT}, "updated_at" = ? where "id" = ? returning "failure_count", "lock_count", "locked_until"`,
  ),
}))

const ONE_LESS_IN_FLIGHT = `"guesses_in_flight" = case when "guesses_in_flight" > 0 then "guesses_in_flight" - 1 else 0 end`

/**
 * A success forgets the failures that came before its own claim (the parameter: the count it saw), not the
 * ones judged while it was: as if it had been judged at its claim. So a right answer racing a burst of wrong
 * ones frees no places for more of them.
 */
const FAILURES_SINCE_CLAIM = `case when "failure_count" > ? then "failure_count" - ? else 0 end`

/** Not locked at `now` (the parameter). */
const UNLOCKED = '("locked_until" is null or "locked_until" <= ?)'

export function createFactorQueries(db: Kysely<Database>, dialect: SqlDialect): FactorRepository {
  const fixed = statements(dialect)
  return {
    async insert(factor) {
      await db.insertInto('factors').values(factor).execute()
    },
    findById: async (appId, id) => (await fixed.findById.run<FactorRow>(db, [id, appId])).rows[0],
    listByUser: (appId, userId) =>
      db
        .selectFrom('factors')
        .selectAll()
        .where('appId', '=', appId)
        .where('userId', '=', userId)
        .where('status', '!=', 'decoy')
        .orderBy('createdAt')
        .orderBy('id')
        .execute(),
    async findOrCreateDecoy(decoy) {
      // One decoy per user and type (a partial unique index): racing challenges share it, as they would a factor.
      await db
        .insertInto('factors')
        .values(decoy)
        .onConflict((oc) => oc.doNothing())
        .execute()
      const row = await db
        .selectFrom('factors')
        .selectAll()
        .where('appId', '=', decoy.appId)
        .where('userId', '=', decoy.userId)
        .where('type', '=', decoy.type)
        .where('status', '=', 'decoy')
        .executeTakeFirst()
      if (!row) throw new Error('decoy factor vanished after its insert')
      return row
    },
    findLatestActiveByType: (appId, userId, type) =>
      db
        .selectFrom('factors')
        .selectAll()
        .where('appId', '=', appId)
        .where('userId', '=', userId)
        .where('type', '=', type)
        .where('status', '=', 'active')
        .orderBy((eb) => eb.fn.coalesce('lastUsedAt', 'createdAt'), 'desc')
        .orderBy('createdAt', 'desc')
        .limit(1)
        .executeTakeFirst(),
    async delete(appId, userId, id) {
      await db.deleteFrom('factorCodes').where('factorId', '=', id).execute()
      const result = await db
        .deleteFrom('factors')
        .where('id', '=', id)
        .where('appId', '=', appId)
        .where('userId', '=', userId)
        .executeTakeFirst()
      return result.numDeletedRows > 0n
    },
    async deleteOthersOfType(appId, userId, type, keepId) {
      // Concurrent binds of one type must leave exactly one factor, never none: each deletes only
      // the factors older than itself (by created_at, then id), and gives way when a newer one exists.
      const keep = await db
        .selectFrom('factors')
        .select('createdAt')
        .where('id', '=', keepId)
        .where('appId', '=', appId)
        .executeTakeFirst()
      const removeKept = async () => {
        await db.deleteFrom('factorCodes').where('factorId', '=', keepId).execute()
        await db.deleteFrom('factors').where('id', '=', keepId).where('appId', '=', appId).execute()
      }
      if (!keep) {
        await removeKept()
        return false
      }
      const sameType = db
        .selectFrom('factors')
        .select('id')
        .where('appId', '=', appId)
        .where('userId', '=', userId)
        .where('type', '=', type)
        .where('status', '!=', 'decoy')
        .where('id', '!=', keepId)
      const newer = await sameType
        .where((eb) =>
          eb.or([
            eb('createdAt', '>', keep.createdAt),
            eb.and([eb('createdAt', '=', keep.createdAt), eb('id', '>', keepId)]),
          ]),
        )
        .limit(1)
        .executeTakeFirst()
      if (newer) {
        await removeKept()
        return false
      }
      const older = sameType.where((eb) =>
        eb.or([
          eb('createdAt', '<', keep.createdAt),
          eb.and([eb('createdAt', '=', keep.createdAt), eb('id', '<', keepId)]),
        ]),
      )
      // Two statements, so an engine without cascading deletes (SQLite's default) loses the codes too.
      const olderIds = (await older.execute()).map((row) => row.id)
      if (olderIds.length > 0) {
        await db.deleteFrom('factorCodes').where('factorId', 'in', olderIds).execute()
        await db.deleteFrom('factors').where('appId', '=', appId).where('id', 'in', olderIds).execute()
      }
      return true
    },
    findActiveByIdentifier: (appId, type, identifier) =>
      db
        .selectFrom('factors')
        .selectAll()
        .where('appId', '=', appId)
        .where('type', '=', type)
        .where('identifier', '=', identifier)
        .where('status', '=', 'active')
        .orderBy('createdAt')
        .limit(1)
        .executeTakeFirst(),
    async rename(appId, userId, id, label, now) {
      const result = await db
        .updateTable('factors')
        .set({ label, updatedAt: now })
        .where('id', '=', id)
        .where('appId', '=', appId)
        .where('userId', '=', userId)
        .where('status', '!=', 'decoy')
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    async flag(id, reason, now) {
      await db
        .updateTable('factors')
        .set({ flaggedAt: now, flagReason: reason, updatedAt: now })
        .where('id', '=', id)
        .execute()
    },
    async activate(id, now, identifier) {
      const result = await db
        .updateTable('factors')
        .set({ status: 'active', updatedAt: now, ...(identifier === undefined ? {} : { identifier }) })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    async claimCounter(id, counter) {
      const result = await fixed.claimCounter.run(db, [counter, id, counter])
      return (result.numAffectedRows ?? 0n) > 0n
    },
    async recordSuccess(id, now, seenFailures, material) {
      if (material === undefined) {
        const result = await fixed.recordSuccess.run(db, [seenFailures, seenFailures, now, now, id, now])
        return (result.numAffectedRows ?? 0n) > 0n
      }
      // A rehash (new material) is rare: the builder's statement.
      const result = await db
        .updateTable('factors')
        .set((eb) => ({
          failureCount: eb
            .case()
            .when('failureCount', '>', seenFailures)
            .then(eb('failureCount', '-', seenFailures))
            .else(0)
            .end(),
          lockCount: 0,
          lockedUntil: null,
          guessesInFlight: eb
            .case()
            .when('guessesInFlight', '>', 0)
            .then(eb('guessesInFlight', '-', 1))
            .else(0)
            .end(),
          lastUsedAt: now,
          updatedAt: now,
          material,
        }))
        .where('id', '=', id)
        .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<=', now)]))
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    claimGuess: async (id, maxFailures, now) =>
      (await fixed.claimGuess.run<{ failureCount: number; lockCount: number }>(db, [now, id, now, maxFailures]))
        .rows[0],
    async releaseGuess(id, now) {
      await fixed.releaseGuess.run(db, [now, id])
    },
    recordFailure: async (id, now) =>
      (
        await fixed.recordFailure.run<{ failureCount: number; lockCount: number; lockedUntil: number | null }>(db, [
          now,
          id,
        ])
      ).rows[0],
    async lockIfExhausted(id, maxFailures, lockedUntil, now) {
      // Whoever sees the failures reach the limit locks; the count restarts for the next round after the lock.
      const result = await db
        .updateTable('factors')
        .set((eb) => ({ failureCount: 0, lockCount: eb('lockCount', '+', 1), lockedUntil, updatedAt: now }))
        .where('id', '=', id)
        .where('failureCount', '>=', maxFailures)
        .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<=', now)]))
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    async forgetGuessesInFlight(id, seenUpdatedAt, now) {
      const result = await db
        .updateTable('factors')
        .set({ guessesInFlight: 0, updatedAt: now })
        .where('id', '=', id)
        .where('updatedAt', '=', seenUpdatedAt)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    async insertCodes(factorId, codeHashes) {
      if (codeHashes.length === 0) return
      await db
        .insertInto('factorCodes')
        .values(codeHashes.map((codeHash) => ({ factorId, codeHash, usedAt: null })))
        .execute()
    },
    async consumeCode(factorId, codeHash, now) {
      const result = await db
        .updateTable('factorCodes')
        .set({ usedAt: now })
        .where('factorId', '=', factorId)
        .where('codeHash', '=', codeHash)
        .where('usedAt', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    async countUnusedCodes(factorId) {
      const row = await db
        .selectFrom('factorCodes')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('factorId', '=', factorId)
        .where('usedAt', 'is', null)
        .executeTakeFirst()
      return Number(row?.count ?? 0)
    },
  }
}
