import { setImmediate } from 'node:timers'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'

/**
 * What the requests of one turn of the event loop ask of a database, handed to `run` together in the turn's
 * check phase (`setImmediate`, as SQLite's group commit commits and the Redis takes leave), at most `max`
 * items at a time. PostgreSQL's group commit (turn-inserts.ts) and its batched key reads (turn-reads.ts) are
 * built on it. One batch per Kysely instance: the database outside any transaction.
 */
export function turnBatches<T>(
  max: number,
  run: (db: Kysely<Database>, batch: readonly T[]) => void,
): (db: Kysely<Database>, item: T) => void {
  const waiting = new WeakMap<Kysely<Database>, T[]>()
  return (db, item) => {
    let items = waiting.get(db)
    if (items === undefined) {
      const batch: T[] = []
      waiting.set(db, batch)
      // setImmediate from the module, so a test's fake timers do not hold the batch back.
      setImmediate(() => {
        waiting.delete(db)
        for (let from = 0; from < batch.length; from += max) run(db, batch.slice(from, from + max))
      })
      items = batch
    }
    items.push(item)
  }
}
