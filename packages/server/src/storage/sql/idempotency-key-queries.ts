import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { IdempotencyKeyRepository } from '../store.js'

/** Idempotency keys; the claim is one INSERT … ON CONFLICT DO UPDATE … WHERE, the same on SQLite and PostgreSQL. */
export function createIdempotencyKeyQueries(db: Kysely<Database>): IdempotencyKeyRepository {
  return {
    async claim(row) {
      const values = {
        appId: row.appId,
        idempotencyKey: row.idempotencyKey,
        requestHash: row.requestHash,
        claimId: row.claimId,
        responseStatus: null,
        responseBody: null,
        lockedUntil: row.lockedUntil,
        createdAt: row.now,
        expiresAt: row.expiresAt,
      }
      // The primary key (app_id, idempotency_key) serialises parallel claims: one inserts, the others conflict
      // and take the row over only if it no longer holds anything (expired), or if its claim was never answered
      // and lapsed (the process died mid-request) and this is the same request. RETURNING says who won.
      const won = await db
        .insertInto('idempotencyKeys')
        .values(values)
        .onConflict((conflict) =>
          conflict
            .columns(['appId', 'idempotencyKey'])
            .doUpdateSet({
              requestHash: row.requestHash,
              claimId: row.claimId,
              responseStatus: null,
              responseBody: null,
              lockedUntil: row.lockedUntil,
              createdAt: row.now,
              expiresAt: row.expiresAt,
            })
            .where((eb) =>
              eb.or([
                eb('idempotencyKeys.expiresAt', '<=', row.now),
                eb.and([
                  eb('idempotencyKeys.responseStatus', 'is', null),
                  eb('idempotencyKeys.lockedUntil', '<=', row.now),
                  eb('idempotencyKeys.requestHash', '=', row.requestHash),
                ]),
              ]),
            ),
        )
        .returning('claimId')
        .executeTakeFirst()
      return won?.claimId === row.claimId
    },
    find: (appId, idempotencyKey) =>
      db
        .selectFrom('idempotencyKeys')
        .selectAll()
        .where('appId', '=', appId)
        .where('idempotencyKey', '=', idempotencyKey)
        .executeTakeFirst(),
    async complete(appId, idempotencyKey, claimId, status, sealedBody) {
      await db
        .updateTable('idempotencyKeys')
        .set({ responseStatus: status, responseBody: sealedBody })
        .where('appId', '=', appId)
        .where('idempotencyKey', '=', idempotencyKey)
        .where('claimId', '=', claimId)
        .execute()
    },
    async release(appId, idempotencyKey, claimId) {
      await db
        .deleteFrom('idempotencyKeys')
        .where('appId', '=', appId)
        .where('idempotencyKey', '=', idempotencyKey)
        .where('claimId', '=', claimId)
        .where('responseStatus', 'is', null)
        .execute()
    },
  }
}
