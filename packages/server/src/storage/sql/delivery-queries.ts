import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { DeliveryRepository } from '../store.js'
import { perDialect, rowInserter, type SqlDialect } from './fixed-sql.js'

// Every send records its attempts (nearly always one): fixed SQL (see fixed-sql.ts).
const insertDelivery = perDialect((dialect) => rowInserter(dialect, 'deliveries'))

export function createDeliveryQueries(db: Kysely<Database>, dialect: SqlDialect): DeliveryRepository {
  const insertOne = insertDelivery(dialect)
  return {
    async insert(rows) {
      for (const row of rows) await insertOne(db, row)
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
