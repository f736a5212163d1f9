import type { Kysely } from 'kysely'
import type { Database, TokenRow } from '../database.js'
import type { TokenRepository } from '../store.js'
import { fixedSql, perDialect, rowInserter, type SqlDialect } from './fixed-sql.js'
import { updateThenInsert } from './rows-together.js'
import { turnRead } from './turn-reads.js'

const CONSUME = `update "tokens" set "consumed_at" = ? where "token_hash" = ? and "app_id" = ? and "consumed_at" is null and "expires_at" > ?`

// Issue and introspection are on the hot path: fixed SQL (see fixed-sql.ts).
const statements = perDialect((dialect) => ({
  insert: rowInserter(dialect, 'tokens'),
  findByHash: fixedSql(dialect, 'select * from "tokens" where "token_hash" = ? and "app_id" = ?'),
}))

/** On PostgreSQL outside a transaction, a token's read shares its turn's statement (turn-reads.ts). */
const findInTurn = turnRead<TokenRow>('tokens', 'token_hash', (row) => row.tokenHash)

export function createTokenQueries(db: Kysely<Database>, dialect: SqlDialect): TokenRepository {
  const fixed = statements(dialect)
  return {
    async insert(token) {
      await fixed.insert(db, token)
    },
    findByHash: async (appId, tokenHash) =>
      dialect === 'postgres' && !db.isTransaction
        ? findInTurn(db, appId, tokenHash)
        : (await fixed.findByHash.run<TokenRow>(db, [tokenHash, appId])).rows[0],
    // Single-use is this one conditional update: of any number of racing consumers exactly one sees a changed row.
    consume: (appId, tokenHash, now, rows = []) =>
      updateThenInsert(db, dialect, { sql: CONSUME, values: [now, tokenHash, appId, now] }, rows),
  }
}
