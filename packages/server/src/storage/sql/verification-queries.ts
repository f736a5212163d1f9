import type { Kysely } from 'kysely'
import type { Database, VerificationRow } from '../database.js'
import type { VerificationRepository } from '../store.js'
import { fixedSql, perDialect, rowInserter, type SqlDialect } from './fixed-sql.js'
import { updateThenInsert } from './rows-together.js'
import { turnRead } from './turn-reads.js'

// The hot path (start, check) as fixed SQL. A code is judged only while the row is pending, unexpired, under its
// attempt limit and still holding that code hash: the whole precondition is in the WHERE clause.
const PENDING_AND_LIVE = `"id" = ? and "status" = 'pending' and "expires_at" > ? and "code_hash" = ? and "attempts" < "max_attempts"`
const APPROVE = `update "verifications" set "attempts" = "attempts" + 1, "status" = 'approved', "approved_at" = ?, "updated_at" = ? where ${PENDING_AND_LIVE}`
const APPROVE_CLAIMED = `update "verifications" set "status" = 'approved', "approved_at" = ?, "updated_at" = ? where "id" = ? and "status" = 'pending' and "expires_at" > ? and "code_hash" = ?`
const statements = perDialect((dialect) => ({
  insert: rowInserter(dialect, 'verifications'),
  findById: fixedSql(dialect, 'select * from "verifications" where "id" = ? and "app_id" = ?'),
  // The attempt is counted before the answer is judged, so racing checks can never judge more than max_attempts.
  claimAttempt: fixedSql(
    dialect,
    `update "verifications" set "attempts" = "attempts" + 1, "updated_at" = ? where ${PENDING_AND_LIVE} returning "attempts", "max_attempts"`,
  ),
  listDueFallbacks: fixedSql(dialect, dueFallbacksSql(dialect)),
}))

/** On PostgreSQL outside a transaction, a check's read shares its turn's statement (turn-reads.ts). */
const findInTurn = turnRead<VerificationRow>('verifications', 'id', (row) => row.id)

/**
 * The channel fallback sweep's query (parameters: now, limit), which every instance runs every second. It must
 * read the partial index of rows with a fallback to come: without statistics SQLite's planner took `status =
 * 'pending'` for the better index (the expiry sweep's), walked every pending verification and sorted them, on
 * the event loop: 10–24 ms each second with 100,000 pending (docs/benchmarks.md). So SQLite is told the index
 * (`indexed by` fails the query rather than fall back to another plan); PostgreSQL keeps statistics and picks
 * the partial index itself.
 */
export function dueFallbacksSql(dialect: SqlDialect): string {
  const from = dialect === 'sqlite' ? '"verifications" indexed by "verifications_fallback_due_at"' : '"verifications"'
  return `select * from ${from} where "fallback_due_at" is not null and "fallback_due_at" <= ? and "status" = 'pending' order by "fallback_due_at" limit ?`
}

/**
 * Every state change here is one conditional UPDATE: the WHERE clause carries
 * the whole precondition (pending, unexpired, under the limit, same code), so
 * two racing requests — in one process or in many — cannot both pass it.
 */
export function createVerificationQueries(db: Kysely<Database>, dialect: SqlDialect): VerificationRepository {
  const fixed = statements(dialect)
  return {
    async insert(verification) {
      await fixed.insert(db, verification)
    },
    findById: async (appId, id) =>
      dialect === 'postgres' && !db.isTransaction
        ? findInTurn(db, appId, id)
        : (await fixed.findById.run<VerificationRow>(db, [id, appId])).rows[0],
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
    claimAttempt: async (id, codeHash, now) =>
      (await fixed.claimAttempt.run<{ attempts: number; maxAttempts: number }>(db, [now, id, now, codeHash])).rows[0],
    async releaseAttempt(id, codeHash, now) {
      // Also once approved: a right answer that lost the approval to an identical one was no failed attempt.
      await db
        .updateTable('verifications')
        .set((eb) => ({ attempts: eb('attempts', '-', 1), updatedAt: now }))
        .where('id', '=', id)
        .where('codeHash', '=', codeHash)
        .where('attempts', '>', 0)
        .execute()
    },
    approveClaimed: (id, codeHash, now, rows = []) =>
      updateThenInsert(db, dialect, { sql: APPROVE_CLAIMED, values: [now, now, id, now, codeHash] }, rows),
    async exhaustAttempts(id, codeHash, now) {
      await db
        .updateTable('verifications')
        .set({ status: 'max_attempts_reached', updatedAt: now })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('codeHash', '=', codeHash)
        .where((eb) => eb('attempts', '>=', eb.ref('maxAttempts')))
        .execute()
    },
    approve: (id, codeHash, now, rows = []) =>
      updateThenInsert(db, dialect, { sql: APPROVE, values: [now, now, id, now, codeHash] }, rows),
    async reserveResend(id, { previousCodeHash, codeHash, now, expiresAt, channel, fallbackDueAt }) {
      const result = await db
        .updateTable('verifications')
        .set((eb) => ({
          sends: eb('sends', '+', 1),
          codeHash,
          lastSentAt: now,
          expiresAt,
          updatedAt: now,
          fallbackDueAt,
          ...(channel === undefined ? {} : { channel }),
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
    async releaseResend(id, { reservedCodeHash, codeHash, lastSentAt, expiresAt, now, channel, fallbackDueAt }) {
      await db
        .updateTable('verifications')
        .set((eb) => ({
          sends: eb('sends', '-', 1),
          codeHash,
          lastSentAt,
          expiresAt,
          updatedAt: now,
          channel,
          fallbackDueAt,
        }))
        .where('id', '=', id)
        .where('codeHash', '=', reservedCodeHash)
        .where('status', '=', 'pending')
        .execute()
    },
    listDueFallbacks: async (now, limit) => (await fixed.listDueFallbacks.run<VerificationRow>(db, [now, limit])).rows,
    async claimFallback(id, dueAt, now) {
      const result = await db
        .updateTable('verifications')
        .set({ fallbackDueAt: null, updatedAt: now })
        .where('id', '=', id)
        .where('fallbackDueAt', '=', dueAt)
        .where('status', '=', 'pending')
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
    async reserveFallback(id, { fromChannel, previousCodeHash, channel, codeHash, now, expiresAt, fallbackDueAt }) {
      const result = await db
        .updateTable('verifications')
        .set((eb) => ({
          sends: eb('sends', '+', 1),
          channel,
          codeHash,
          lastSentAt: now,
          expiresAt,
          updatedAt: now,
          fallbackDueAt,
        }))
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('expiresAt', '>', now)
        .where('channel', '=', fromChannel)
        .where('codeHash', '=', previousCodeHash)
        .where((eb) => eb('sends', '<', eb.ref('maxSends')))
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
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
    listOverdue(now, limit) {
      return db
        .selectFrom('verifications')
        .selectAll()
        .where('status', '=', 'pending')
        .where('expiresAt', '<=', now)
        .orderBy('expiresAt')
        .limit(limit)
        .execute()
    },
  }
}
