import { CompiledQuery, type Kysely } from 'kysely'
import { isDependencyFailure } from '../../errors/dependency-failure.js'
import type { Database } from '../database.js'
import { placeholdersFor } from './fixed-sql.js'
import { turnBatches } from './turn-batches.js'

/**
 * PostgreSQL: the reads of one row by its unique key that the requests of one turn of the event loop ask for
 * (a check's verification, a token by its hash) leave at the turn's check phase as one statement,
 * `… where "key" = any($1)`, instead of a round trip each: the same reason as turn-inserts.ts. A read sent in
 * the check phase still follows every write its request awaited, so it sees them.
 *
 * Rows belong to an app: a row whose `appId` is not the asker's is not found, as the one-row query's
 * `and "app_id" = ?` made it.
 */
export type TurnRead<R> = (db: Kysely<Database>, appId: string, key: string) => Promise<R | undefined>

/** Reads a statement carries at most: a larger turn is split. */
const TURN_READS_MAX = 500

interface Waiting<R> {
  readonly key: string
  readonly appId: string
  resolve(row: R | undefined): void
  reject(error: unknown): void
}

/** Reads rows of `table` by `column` (unique), whose value is the row's `keyOf`. */
export function turnRead<R extends { readonly appId: string }>(
  table: string,
  column: string,
  keyOf: (row: R) => string,
): TurnRead<R> {
  const text = placeholdersFor('postgres', `select * from "${table}" where "${column}" = any(?)`)

  const run = async (db: Kysely<Database>, batch: readonly Waiting<R>[]): Promise<void> => {
    const keys = [...new Set(batch.map((asker) => asker.key))]
    let rows: readonly R[]
    try {
      rows = (await db.executeQuery<R>(CompiledQuery.raw(text, [keys]))).rows
    } catch (error) {
      if (keys.length === 1 || isDependencyFailure(error)) {
        for (const asker of batch) asker.reject(error)
        return
      }
      // One key PostgreSQL refused must not fail the other requests of the turn: each key again, on its own.
      await Promise.all(
        keys.map((key) =>
          run(
            db,
            batch.filter((asker) => asker.key === key),
          ),
        ),
      )
      return
    }
    const found = new Map<string, R>()
    for (const row of rows) found.set(keyOf(row), row)
    for (const asker of batch) {
      const row = found.get(asker.key)
      asker.resolve(row !== undefined && row.appId === asker.appId ? row : undefined)
    }
  }
  const add = turnBatches<Waiting<R>>(TURN_READS_MAX, (db, batch) => void run(db, batch))

  return (db, appId, key) => {
    // PostgreSQL's text holds no NUL: no row has such a key, and sent, it would fail the statement.
    if (key.includes('\u0000')) return Promise.resolve(undefined)
    return new Promise<R | undefined>((resolve, reject) => add(db, { key, appId, resolve, reject }))
  }
}
