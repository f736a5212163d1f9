import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { SigningKeyRepository } from '../store.js'
import { fixedSql, perDialect, type SqlDialect } from './fixed-sql.js'

// Every introspection asks whether its token's key was revoked: fixed SQL (see fixed-sql.ts).
const statements = perDialect((dialect) => ({
  revokedAt: fixedSql(dialect, 'select "revoked_at" from "signing_keys" where "id" = ?'),
}))

export function createSigningKeyQueries(db: Kysely<Database>, dialect: SqlDialect): SigningKeyRepository {
  const fixed = statements(dialect)
  return {
    async insert(key) {
      await db.insertInto('signingKeys').values(key).execute()
    },
    listPublishable: (since) =>
      db
        .selectFrom('signingKeys')
        .selectAll()
        .where('revokedAt', 'is', null)
        .where((eb) => eb.or([eb('retiredAt', 'is', null), eb('retiredAt', '>', since)]))
        .orderBy('createdAt', 'desc')
        .execute(),
    async retireAllExcept(id, at) {
      await db
        .updateTable('signingKeys')
        .set({ retiredAt: at })
        .where('id', '!=', id)
        .where('retiredAt', 'is', null)
        .execute()
    },
    listAll: (limit) =>
      db
        .selectFrom('signingKeys')
        .select(['id', 'algorithm', 'publicJwk', 'createdAt', 'retiredAt', 'revokedAt'])
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    findById: (id) => db.selectFrom('signingKeys').selectAll().where('id', '=', id).executeTakeFirst(),
    async isRevoked(id) {
      const row = (await fixed.revokedAt.run<{ revokedAt: number | null }>(db, [id])).rows[0]
      return row !== undefined && row.revokedAt !== null
    },
    async revoke(id, at) {
      const result = await db
        .updateTable('signingKeys')
        .set((eb) => ({ revokedAt: at, retiredAt: eb.fn.coalesce('retiredAt', eb.val(at)) }))
        .where('id', '=', id)
        .where('revokedAt', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
  }
}
