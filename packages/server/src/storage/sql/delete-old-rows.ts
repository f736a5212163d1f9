import { setImmediate as nextTurn } from 'node:timers/promises'
import { CompiledQuery, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { SqlDialect } from './fixed-sql.js'

/** Rows one SQLite pass looks at: a few milliseconds of the event loop, then requests run again. */
export const SQLITE_PRUNE_CHUNK_ROWS = 500

/**
 * Deletes the rows of `table` that `condition` (SQL over snake_case columns, its one `?` the cutoff) calls old;
 * answers how many.
 *
 * PostgreSQL runs the one DELETE on its own side, off the event loop. SQLite runs on the event loop, and one
 * DELETE over a table with no index for its condition reads the whole table: seconds, every prune pass, once a
 * month of rows is kept (nothing answers meanwhile). So SQLite walks the table in rowid order, which is the
 * order rows were written in, SQLITE_PRUNE_CHUNK_ROWS rows at a time (a range of the table's own key, no
 * index needed), deletes the old ones among them, and gives the event loop a turn between chunks. It stops at
 * the first chunk with nothing old in it: rows behind it are younger. A row whose expiry lies further out than
 * the rows written after it waits at the front until it is old too, and the rows behind it are pruned by a later
 * pass: late by at most the longest lifetime, never early.
 */
export async function deleteOldRows(
  db: Kysely<Database>,
  dialect: SqlDialect,
  table: string,
  condition: string,
  cutoff: number,
): Promise<number> {
  if (dialect === 'postgres') {
    const text = `delete from "${table}" where ${condition.replace('?', '$1')}`
    return Number((await db.executeQuery(CompiledQuery.raw(text, [cutoff]))).numAffectedRows ?? 0n)
  }
  const chunkEnd = `select max("r") as "last" from (select rowid as "r" from "${table}" where rowid > ? order by rowid limit ${SQLITE_PRUNE_CHUNK_ROWS})`
  const deleteInChunk = `delete from "${table}" where rowid > ? and rowid <= ? and (${condition})`
  let deleted = 0
  let after = 0
  for (;;) {
    const end = await db.executeQuery<{ last: number | null }>(CompiledQuery.raw(chunkEnd, [after]))
    const last = end.rows[0]?.last
    if (last === null || last === undefined) return deleted
    const result = await db.executeQuery(CompiledQuery.raw(deleteInChunk, [after, last, cutoff]))
    const inChunk = Number(result.numAffectedRows ?? 0n)
    if (inChunk === 0) return deleted
    deleted += inChunk
    after = last
    await nextTurn()
  }
}
