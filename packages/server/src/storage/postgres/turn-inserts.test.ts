import { describe, expect, it } from 'vitest'
import { eachTestDatabaseWithApps } from '../../../test/helpers/apps-in-database.js'
import { startedEventRow } from '../../../test/helpers/event-row.js'
import { countingStatements as counted } from '../../../test/helpers/statement-count.js'
import { verificationRow } from '../../../test/helpers/verification-row.js'
import type { NewEvent, VerificationRow } from '../database.js'
import { createEventQueries } from '../sql/event-queries.js'
import { insertAll } from '../sql/rows-together.js'
import { createVerificationQueries } from '../sql/verification-queries.js'
import type { RowForTable } from '../store.js'

// @see issue 21 (item 5): on PostgreSQL the inserts that the requests of one turn ask for (Store.insertAll outside
// a transaction) leave as one statement and one commit (storage/sql/turn-inserts.ts). Runs in the postgres
// project only (vitest.config.ts): on SQLite the group commit batches them another way.

const NOW = 1_800_000_000_000

const database = eachTestDatabaseWithApps(['app_1', 'app_2'], NOW)

function eventFor(row: VerificationRow, id: string): NewEvent {
  return startedEventRow(row, id, {
    identifierMasked: '+1555****000',
    details: '{"sent":true}',
    payload: `{"id":"${id}","note":"a \\"quoted\\" value, ünïcode and a\\nnew line"}`,
  })
}

/** A start's rows: the verification and its event. */
function startRows(n: number, fields: Partial<VerificationRow> = {}): RowForTable[] {
  const row = verificationRow(`ver_turn_${String(n).padStart(3, '0')}`, 'pending', NOW, {
    metadata: '{"order":"A-1"}',
    locale: 'de',
    ...fields,
  })
  return [
    { table: 'verifications', row },
    { table: 'events', row: eventFor(row, `evt_turn_${String(n).padStart(3, '0')}`) },
  ]
}

describe('inserts of one turn on PostgreSQL', () => {
  it("sends the rows of a turn's requests as one statement, every column as given", async () => {
    const { db, statements } = counted(database().db)
    // Two shapes of verification row (a user id or none) and two apps, as a real turn mixes them.
    const requests = Array.from({ length: 20 }, (_, n) =>
      startRows(n, n % 2 === 0 ? {} : { userId: `user_${n}`, appId: 'app_2' }),
    )
    await Promise.all(requests.map((rows) => insertAll(db, 'postgres', rows)))
    expect(statements()).toBe(1)

    const verifications = createVerificationQueries(database().db, 'postgres')
    const events = createEventQueries(database().db, 'postgres')
    for (const rows of requests) {
      const [verification, event] = rows as [RowForTable & { table: 'verifications' }, RowForTable]
      expect(await verifications.findById(verification.row.appId, verification.row.id)).toEqual(verification.row)
      const stored = await events.listByVerification(verification.row.appId, verification.row.id, 10)
      // No app has a webhook endpoint: the event waits for no dispatcher, as when inserted alone.
      expect(stored).toEqual([{ ...event.row, dispatchPending: 0 }])
    }
  })

  it('marks the events of an app with an enabled endpoint for the dispatcher, and only those', async () => {
    await database()
      .db.insertInto('webhookEndpoints')
      .values({
        id: 'whe_1',
        appId: 'app_2',
        url: 'https://example.com/hook',
        events: '*',
        enabled: 1,
        description: null,
        secret: 'sealed',
        previousSecret: null,
        previousSecretExpiresAt: null,
        failingSince: null,
        disabledReason: null,
        createdAt: NOW,
        updatedAt: NOW,
      })
      .execute()
    const { db, statements } = counted(database().db)
    const requests = [startRows(1), startRows(2, { appId: 'app_2' }), startRows(3, { appId: 'app_2' })]
    await Promise.all(requests.map((rows) => insertAll(db, 'postgres', rows)))
    expect(statements()).toBe(1)
    const pending = await database().db.selectFrom('events').select(['id', 'dispatchPending']).orderBy('id').execute()
    expect(pending).toEqual([
      { id: 'evt_turn_001', dispatchPending: 0 },
      { id: 'evt_turn_002', dispatchPending: 1 },
      { id: 'evt_turn_003', dispatchPending: 1 },
    ])
  })

  it('fails only the request whose row breaks a constraint; the others of its turn stand, each all or nothing', async () => {
    // An event id already taken: request 4's event cannot go in, so neither can its verification.
    const taken = startRows(99)
    await insertAll(database().db, 'postgres', taken)
    const requests = Array.from({ length: 10 }, (_, n) => startRows(n))
    const bad = requests[4] as RowForTable[]
    bad[1] = { table: 'events', row: { ...(bad[1]?.row as NewEvent), id: 'evt_turn_099' } }

    const results = await Promise.allSettled(requests.map((rows) => insertAll(database().db, 'postgres', rows)))
    expect(results.map((result) => result.status)).toEqual([
      ...Array(4).fill('fulfilled'),
      'rejected',
      ...Array(5).fill('fulfilled'),
    ])
    const verifications = createVerificationQueries(database().db, 'postgres')
    for (const [n, rows] of requests.entries()) {
      const row = rows[0]?.row as VerificationRow
      const stored = await verifications.findById(row.appId, row.id)
      if (n === 4) expect(stored).toBeUndefined()
      else expect(stored).toEqual(row)
    }
  })

  it('leaves a single request as it was: one statement of its own', async () => {
    const { db, statements } = counted(database().db)
    await insertAll(db, 'postgres', startRows(1))
    await insertAll(db, 'postgres', startRows(2))
    expect(statements()).toBe(2)
    const stored = await createVerificationQueries(database().db, 'postgres').findById('app_1', 'ver_turn_002')
    expect(stored?.metadata).toBe('{"order":"A-1"}')
  })
})
