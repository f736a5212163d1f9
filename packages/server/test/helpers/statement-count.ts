import type { Kysely, KyselyPlugin, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely'
import type { Database } from '../../src/storage/database.js'

/**
 * `db` as another Kysely instance (so with batches of its own: storage/sql/turn-*.ts) that counts the
 * statements the database answered: how many round trips a batch of requests cost.
 */
export function countingStatements(db: Kysely<Database>): { db: Kysely<Database>; statements: () => number } {
  let answered = 0
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
      answered++
      return args.result
    },
  }
  return { db: db.withPlugin(plugin), statements: () => answered }
}
