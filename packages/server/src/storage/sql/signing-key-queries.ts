import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { SigningKeyRepository } from '../store.js'

export function createSigningKeyQueries(db: Kysely<Database>): SigningKeyRepository {
  return {
    async insert(key) {
      await db.insertInto('signingKeys').values(key).execute()
    },
    listPublishable: (since) =>
      db
        .selectFrom('signingKeys')
        .selectAll()
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
  }
}
