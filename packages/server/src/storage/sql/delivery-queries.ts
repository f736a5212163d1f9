import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { DeliveryRepository } from '../store.js'

export function createDeliveryQueries(db: Kysely<Database>): DeliveryRepository {
  return {
    async insert(rows) {
      if (rows.length === 0) return
      await db
        .insertInto('deliveries')
        .values([...rows])
        .execute()
    },
    listByVerification(appId, verificationId) {
      return db
        .selectFrom('deliveries')
        .selectAll()
        .where('appId', '=', appId)
        .where('verificationId', '=', verificationId)
        .orderBy('createdAt', 'asc')
        .orderBy('attempt', 'asc')
        .execute()
    },
    findByProviderMessage(provider, providerMessageId) {
      return db
        .selectFrom('deliveries')
        .selectAll()
        .where('provider', '=', provider)
        .where('providerMessageId', '=', providerMessageId)
        .executeTakeFirst()
    },
    async updateStatus(id, change) {
      if (change.from.length === 0) return false
      const result = await db
        .updateTable('deliveries')
        .set({ status: change.status, errorCode: change.errorCode, updatedAt: change.now })
        .where('id', '=', id)
        .where('status', 'in', [...change.from])
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
  }
}
