import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPlannedDatabase, type PlannedDatabase } from '../../../test/helpers/query-plan.js'
import { countingStatements as counted } from '../../../test/helpers/statement-count.js'
import { verificationRow } from '../../../test/helpers/verification-row.js'
import { defaultAppSettings } from '../../settings/resolve-settings.js'
import type { NewEvent, VerificationRow } from '../database.js'
import { createAppQueries } from '../sql/app-queries.js'
import { createEventQueries } from '../sql/event-queries.js'
import { insertAll } from '../sql/rows-together.js'
import { createVerificationQueries } from '../sql/verification-queries.js'
import type { RowForTable } from '../store.js'

// @see issue 21 (item 5): on PostgreSQL the inserts that the requests of one turn ask for (Store.insertAll outside
// a transaction) leave as one statement and one commit (storage/sql/turn-inserts.ts). Runs in the postgres
// project only (vitest.config.ts): on SQLite the group commit batches them another way.

const NOW = 1_800_000_000_000

let planned: PlannedDatabase
beforeEach(async () => {
  planned = await openPlannedDatabase()
  const settings = JSON.stringify(defaultAppSettings())
  const apps = createAppQueries(planned.db)
  for (const id of ['app_1', 'app_2']) await apps.insert({ id, name: id, settings, createdAt: NOW, updatedAt: NOW })
})
afterEach(async () => {
  await planned.destroy()
})

function eventFor(row: VerificationRow, id: string): NewEvent {
  return {
    id,
    appId: row.appId,
    kind: 'verification.started',
    verificationId: row.id,
    identifierMasked: '+1555****000',
    clientIp: null,
    details: '{"sent":true}',
    createdAt: row.createdAt,
    payload: `{"id":"${id}","note":"a \\"quoted\\" value, ünïcode and a\\nnew line"}`,
    dispatchPending: 1,
  }
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
    const { db, statements } = counted(planned.db)
    // Two shapes of verification row (a user id or none) and two apps, as a real turn mixes them.
    const requests = Array.from({ length: 20 }, (_, n) =>
      startRows(n, n % 2 === 0 ? {} : { userId: `user_${n}`, appId: 'app_2' }),
    )
    await Promise.all(requests.map((rows) => insertAll(db, 'postgres', rows)))
    expect(statements()).toBe(1)

    const verifications = createVerificationQueries(planned.db, 'postgres')
    const events = createEventQueries(planned.db, 'postgres')
    for (const rows of requests) {
      const [verification, event] = rows as [RowForTable & { table: 'verifications' }, RowForTable]
      expect(await verifications.findById(verification.row.appId, verification.row.id)).toEqual(verification.row)
      const stored = await events.listByVerification(verification.row.appId, verification.row.id, 10)
      // No app has a webhook endpoint: the event waits for no dispatcher, as when inserted alone.
      expect(stored).toEqual([{ ...event.row, dispatchPending: 0 }])
    }
  })

  it('marks the events of an app with an enabled endpoint for the dispatcher, and only those', async () => {
    await planned.db
      .insertInto('webhookEndpoints')
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
    const { db, statements } = counted(planned.db)
    const requests = [startRows(1), startRows(2, { appId: 'app_2' }), startRows(3, { appId: 'app_2' })]
    await Promise.all(requests.map((rows) => insertAll(db, 'postgres', rows)))
    expect(statements()).toBe(1)
    const pending = await planned.db.selectFrom('events').select(['id', 'dispatchPending']).orderBy('id').execute()
    expect(pending).toEqual([
      { id: 'evt_turn_001', dispatchPending: 0 },
      { id: 'evt_turn_002', dispatchPending: 1 },
      { id: 'evt_turn_003', dispatchPending: 1 },
    ])
  })

  it('fails only the request whose row breaks a constraint; the others of its turn stand, each all or nothing', async () => {
    // An event id already taken: request 4's event cannot go in, so neither can its verification.
    const taken = startRows(99)
    await insertAll(planned.db, 'postgres', taken)
    const requests = Array.from({ length: 10 }, (_, n) => startRows(n))
    const bad = requests[4] as RowForTable[]
    bad[1] = { table: 'events', row: { ...(bad[1]?.row as NewEvent), id: 'evt_turn_099' } }

    const results = await Promise.allSettled(requests.map((rows) => insertAll(planned.db, 'postgres', rows)))
    expect(results.map((result) => result.status)).toEqual([
      ...Array(4).fill('fulfilled'),
      'rejected',
      ...Array(5).fill('fulfilled'),
    ])
    const verifications = createVerificationQueries(planned.db, 'postgres')
    for (const [n, rows] of requests.entries()) {
      const row = rows[0]?.row as VerificationRow
      const stored = await verifications.findById(row.appId, row.id)
      if (n === 4) expect(stored).toBeUndefined()
      else expect(stored).toEqual(row)
    }
  })

  it('leaves a single request as it was: one statement of its own', async () => {
    const { db, statements } = counted(planned.db)
    await insertAll(db, 'postgres', startRows(1))
    await insertAll(db, 'postgres', startRows(2))
    expect(statements()).toBe(2)
    const stored = await createVerificationQueries(planned.db, 'postgres').findById('app_1', 'ver_turn_002')
    expect(stored?.metadata).toBe('{"order":"A-1"}')
  })
})
