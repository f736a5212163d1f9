import type { Kysely } from 'kysely'
import type { Database, TokenRow } from '../database.js'
import type { TokenRepository } from '../store.js'
import { fixedSql, perDialect, rowInserter, type SqlDialect } from './fixed-sql.js'

// Issue and introspection are on the hot path: fixed SQL (see fixed-sql.ts).
const statements = perDialect((dialect) => ({
  insert: rowInserter(dialect, 'tokens'),
  findByHash: fixedSql(dialect, 'select * from "tokens" where "token_hash" = ? and "app_id" = ?'),
}))

export function createTokenQueries(db: Kysely<Database>, dialect: SqlDialect): TokenRepository {
  const fixed = statements(dialect)
  return {
    async insert(token) {
      await fixed.insert(db, token)
    },
    findByHash: async (appId, tokenHash) => (await fixed.findByHash.run<TokenRow>(db, [tokenHash, appId])).rows[0],
    async consume(appId, tokenHash, now) {
      // Single-use is this one conditional update: of any number of racing
      // consumers exactly one sees a changed row.
      const result = await db
        .updateTable('tokens')
        .set({ consumedAt: now })
        .where('tokenHash', '=', tokenHash)
        .where('appId', '=', appId)
        .where('consumedAt', 'is', null)
        .where('expiresAt', '>', now)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
  }
}
