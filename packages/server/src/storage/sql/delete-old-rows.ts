import { setImmediate as nextTurn } from 'node:timers/promises'
import { CompiledQuery, type Kysely } from 'kysely'
import { idsMadeBefore } from '../../crypto/secrets.js'
import type { Database } from '../database.js'
import type { PruneCounts } from '../store.js'
import type { SqlDialect } from './fixed-sql.js'

/** Rows one SQLite pass looks at: a few milliseconds of the event loop, then requests run again. */
export const SQLITE_PRUNE_CHUNK_ROWS = 500

/**
 * How long after the time its condition compares a row's id may have been made (a delivery attempt's id is made
 * once its send returned, its `created_at` is when the send began). A row whose id is younger still is not lost:
 * a later pass, its cutoff further on, takes it.
 */
export const KEY_SLACK_MS = 15 * 60_000

/** A table's rows that a prune pass deletes. */
export interface OldRows {
  readonly table: string
  /** SQL over snake_case columns that calls a row old, its one `?` the cutoff. */
  readonly condition: string
  /** The count a prune pass reports these rows under. */
  readonly counted?: keyof PruneCounts
  /**
   * The table's key, when it is a time-ordered id (`generateId`) with this prefix, made no later than KEY_SLACK_MS
   * after the time `condition` compares: an old row's id then sorts below the cutoff's (plus the slack).
   */
  readonly key?: readonly [column: string, prefix: string]
}

/**
 * Deletes the rows of `oldRows.table` that its condition calls old; answers how many.
 *
 * PostgreSQL runs one DELETE on its own side, off the event loop. Alone, the condition makes that DELETE read
 * the whole table (no index serves it), every pass, once a month of rows is kept; where the key is a
 * time-ordered id the DELETE also asks for ids below the cutoff's (`idsMadeBefore`), a range of the key's index
 * that holds just the rows made before the cutoff, so a pass reads about what it deletes. The condition still
 * decides: the bound only narrows where PostgreSQL looks.
 *
 * SQLite runs on the event loop, and one DELETE over a table with no index for its condition reads the whole
 * table: seconds, every prune pass (nothing answers meanwhile). So SQLite walks the table in rowid order, which
 * is the order rows were written in, SQLITE_PRUNE_CHUNK_ROWS rows at a time (a range of the table's own key, no
 * index needed), deletes the old ones among them, and gives the event loop a turn between chunks. It stops at
 * the first chunk with nothing old in it: rows behind it are younger. A row whose expiry lies further out than
 * the rows written after it waits at the front until it is old too, and the rows behind it are pruned by a later
 * pass: late by at most the longest lifetime, never early.
 */
export async function deleteOldRows(
  db: Kysely<Database>,
  dialect: SqlDialect,
  oldRows: OldRows,
  cutoff: number,
): Promise<number> {
  const { table, condition, key } = oldRows
  if (dialect === 'postgres') {
    const old = condition.replace('?', '$1')
    const deleted =
      key === undefined
        ? await db.executeQuery(CompiledQuery.raw(`delete from "${table}" where ${old}`, [cutoff]))
        : await db.executeQuery(
            CompiledQuery.raw(`delete from "${table}" where "${key[0]}" < $2 and (${old})`, [
              cutoff,
              idsMadeBefore(key[1], cutoff + KEY_SLACK_MS),
            ]),
          )
    return Number(deleted.numAffectedRows ?? 0n)
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
