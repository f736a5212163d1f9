import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPlannedDatabase, type PlannedDatabase } from '../../../test/helpers/query-plan.js'
import { deleteOldRows, SQLITE_PRUNE_CHUNK_ROWS } from './delete-old-rows.js'

// @see issue 21: a prune pass deleted a month's old rows in one statement per table, through tables with no index
// for the condition; on SQLite that read every row on the event loop. It now deletes a chunk at a time, in the
// order rows were written, with turns of the event loop between chunks, and stops where the rows are young.

let planned: PlannedDatabase
beforeEach(async () => {
  planned = await openPlannedDatabase()
})
afterEach(async () => {
  await planned.destroy()
})

/** `count` events, one per millisecond from `from`, in that order. */
async function events(prefix: string, from: number, count: number) {
  const rows = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}_${String(i).padStart(6, '0')}`,
    kind: 'verification.started',
    createdAt: from + i,
    dispatchPending: 0,
  }))
  for (let i = 0; i < rows.length; i += 200)
    await planned.db
      .insertInto('events')
      .values(rows.slice(i, i + 200))
      .execute()
}

const countEvents = async () =>
  Number((await sql<{ n: number }>`select count(*) as n from events`.execute(planned.db)).rows[0]?.n)

describe('deleteOldRows', () => {
  it('deletes exactly the rows older than the cutoff, across many chunks', async () => {
    const old = SQLITE_PRUNE_CHUNK_ROWS * 3 + 123
    await events('old', 1_000, old)
    await events('new', 1_000_000, 700)
    const deleted = await deleteOldRows(planned.db, planned.dialect, 'events', '"created_at" < ?', 500_000)
    expect(deleted).toBe(old)
    expect(await countEvents()).toBe(700)
    const left = await sql<{ n: number }>`select count(*) as n from events where created_at < 500000`.execute(
      planned.db,
    )
    expect(Number(left.rows[0]?.n)).toBe(0)
    // A second pass finds nothing more, and keeps every young row.
    expect(await deleteOldRows(planned.db, planned.dialect, 'events', '"created_at" < ?', 500_000)).toBe(0)
    expect(await countEvents()).toBe(700)
  })

  // PostgreSQL deletes on its own side, in one statement: the event loop only waits for the answer.
  it.skipIf(process.env.TEST_DATABASE === 'postgres')(
    'gives the event loop turns between chunks on SQLite, so requests are answered during a long prune',
    async () => {
      await events('old', 1_000, SQLITE_PRUNE_CHUNK_ROWS * 6)
      let turns = 0
      let pruning = true
      const spin = () => {
        turns++
        if (pruning) setImmediate(spin)
      }
      setImmediate(spin)
      const deleted = await deleteOldRows(planned.db, planned.dialect, 'events', '"created_at" < ?', 500_000)
      pruning = false
      expect(deleted).toBe(SQLITE_PRUNE_CHUNK_ROWS * 6)
      // One turn at least between each two chunks (the group commit's own turns add more).
      expect(turns).toBeGreaterThanOrEqual(5)
    },
  )

  it('never deletes a young row, also where a young row comes before old ones', async () => {
    await events('young_first', 900_000, 10)
    await events('old', 1_000, 40)
    await events('young_last', 2_000_000, 10)
    // Within one chunk the young row at the front does not stop the walk: all 40 old rows go.
    expect(await deleteOldRows(planned.db, planned.dialect, 'events', '"created_at" < ?', 500_000)).toBe(40)
    expect(await countEvents()).toBe(20)
  })

  it.skipIf(process.env.TEST_DATABASE === 'postgres')(
    'on SQLite, leaves old rows behind a whole chunk of younger ones for a later pass, and takes them then',
    async () => {
      await events('long_lived', 400_000, SQLITE_PRUNE_CHUNK_ROWS)
      await events('old', 1_000, 30)
      expect(await deleteOldRows(planned.db, planned.dialect, 'events', '"created_at" < ?', 300_000)).toBe(0)
      expect(await deleteOldRows(planned.db, planned.dialect, 'events', '"created_at" < ?', 500_000)).toBe(
        SQLITE_PRUNE_CHUNK_ROWS + 30,
      )
    },
  )
})
