import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPlannedDatabase, type PlannedDatabase } from '../../../test/helpers/query-plan.js'
import { generateId } from '../../crypto/secrets.js'
import { deleteOldRows, KEY_SLACK_MS, type OldRows, SQLITE_PRUNE_CHUNK_ROWS } from './delete-old-rows.js'

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

/** Old events by their time alone, as for a table whose key says nothing of it. */
const OLD_EVENTS: OldRows = { table: 'events', condition: '"created_at" < ?' }
/** Old events, their key a time-ordered id (as the prune pass has them). */
const OLD_EVENTS_BY_KEY: OldRows = { ...OLD_EVENTS, key: ['id', 'evt'] }

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
    const deleted = await deleteOldRows(planned.db, planned.dialect, OLD_EVENTS, 500_000)
    expect(deleted).toBe(old)
    expect(await countEvents()).toBe(700)
    const left = await sql<{ n: number }>`select count(*) as n from events where created_at < 500000`.execute(
      planned.db,
    )
    expect(Number(left.rows[0]?.n)).toBe(0)
    // A second pass finds nothing more, and keeps every young row.
    expect(await deleteOldRows(planned.db, planned.dialect, OLD_EVENTS, 500_000)).toBe(0)
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
      const deleted = await deleteOldRows(planned.db, planned.dialect, OLD_EVENTS, 500_000)
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
    expect(await deleteOldRows(planned.db, planned.dialect, OLD_EVENTS, 500_000)).toBe(40)
    expect(await countEvents()).toBe(20)
  })

  it.skipIf(process.env.TEST_DATABASE === 'postgres')(
    'on SQLite, leaves old rows behind a whole chunk of younger ones for a later pass, and takes them then',
    async () => {
      await events('long_lived', 400_000, SQLITE_PRUNE_CHUNK_ROWS)
      await events('old', 1_000, 30)
      expect(await deleteOldRows(planned.db, planned.dialect, OLD_EVENTS, 300_000)).toBe(0)
      expect(await deleteOldRows(planned.db, planned.dialect, OLD_EVENTS, 500_000)).toBe(SQLITE_PRUNE_CHUNK_ROWS + 30)
    },
  )
})

describe('deleteOldRows on a table keyed by time-ordered ids', () => {
  /** An event made at `madeAt` (its id's time) and stamped `createdAt`. */
  const event = (madeAt: number, createdAt = madeAt) => ({
    id: generateId('evt', 16, madeAt),
    kind: 'verification.started',
    createdAt,
    dispatchPending: 0,
  })
  const insert = async (rows: ReturnType<typeof event>[]) => {
    for (let i = 0; i < rows.length; i += 200)
      await planned.db
        .insertInto('events')
        .values(rows.slice(i, i + 200))
        .execute()
  }
  const cutoff = 1_765_000_000_000

  it('deletes the old rows, those whose id was made up to the slack after their time among them, and no young one', async () => {
    const old = Array.from({ length: 300 }, (_, i) => event(cutoff - 10 * 60_000 + i))
    // Ids made after the row's time (a delivery attempt's, made once its send returned), within the slack.
    const madeLate = Array.from({ length: 20 }, (_, i) => event(cutoff + KEY_SLACK_MS - 1_000 - i, cutoff - 1 - i))
    const young = Array.from({ length: 50 }, (_, i) => event(cutoff + i))
    // An id older than the cutoff on a row that is not old: the condition still decides.
    const stampedYoung = Array.from({ length: 5 }, (_, i) => event(cutoff - 60_000 - i, cutoff + 1 + i))
    await insert([...old, ...madeLate, ...young, ...stampedYoung])

    expect(await deleteOldRows(planned.db, planned.dialect, OLD_EVENTS_BY_KEY, cutoff)).toBe(320)
    const left = await planned.db.selectFrom('events').select(['id']).orderBy('id').execute()
    expect(left.map((row) => row.id)).toEqual([...stampedYoung, ...young].map((row) => row.id).sort())
  })

  it('leaves an old row whose id was made past the slack for a later pass, which takes it', async () => {
    await insert([event(cutoff + KEY_SLACK_MS + 5 * 60_000, cutoff - 1), event(cutoff - 1)])
    const first = await deleteOldRows(planned.db, planned.dialect, OLD_EVENTS_BY_KEY, cutoff)
    // SQLite's walk does not need the key: it takes both at once.
    expect(first).toBe(planned.dialect === 'postgres' ? 1 : 2)
    expect(await deleteOldRows(planned.db, planned.dialect, OLD_EVENTS_BY_KEY, cutoff + 15 * 60_000)).toBe(2 - first)
    expect(await countEvents()).toBe(0)
  })

  it.skipIf(process.env.TEST_DATABASE !== 'postgres')(
    "on PostgreSQL, reads the key's index for the old rows instead of the whole table",
    async () => {
      const bounded = await planned.planOfSql('delete from "events" where "id" < $2 and ("created_at" < $1)', [
        cutoff,
        'evt_0000000000',
      ])
      expect(bounded).toMatch(/Index Scan (using|on) events_pkey/)
      expect(bounded).toMatch(/Index Cond: \(id < /)
    },
  )
})
