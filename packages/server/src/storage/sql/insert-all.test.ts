import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'
import type { NewEvent, VerificationRow } from '../database.js'

// Store.insertAll writes a change and the events that report it together: on PostgreSQL as one statement
// (data-modifying WITH clauses), on SQLite in one transaction. Run on both by the test projects.

let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

/** A real verification's row, to copy under new ids. */
async function aVerificationRow(): Promise<VerificationRow> {
  const { appId, key } = await t.createApp()
  const started = await t.request('POST', '/v1/verifications', {
    key,
    body: { channel: 'email', to: 'ada@example.com' },
  })
  expect(started.statusCode).toBe(201)
  const row = await t.tessera.store.verifications.findById(appId, started.json().verification_id)
  if (!row) throw new Error('the started verification is not stored')
  return row
}

function eventFor(row: VerificationRow, id: string): NewEvent {
  return {
    id,
    appId: row.appId,
    kind: 'verification.started',
    verificationId: row.id,
    identifierMasked: null,
    clientIp: null,
    details: null,
    createdAt: Number(row.createdAt),
    payload: '{}',
    dispatchPending: 1,
  }
}

describe('Store.insertAll', () => {
  it('inserts rows of several tables, every column as given', async () => {
    const original = await aVerificationRow()
    const row: VerificationRow = { ...original, id: `${original.id.slice(0, -4)}zz01` }
    await t.tessera.store.insertAll([
      { table: 'verifications', row },
      { table: 'events', row: eventFor(row, 'evt_insert_all_0000000000000001') },
      { table: 'events', row: eventFor(row, 'evt_insert_all_0000000000000002') },
    ])
    const stored = await t.tessera.store.verifications.findById(row.appId, row.id)
    expect(stored).toEqual(row)
    const events = await t.tessera.store.events.listByVerification(row.appId, row.id, 10)
    expect(events.map((event) => event.id).sort()).toEqual([
      'evt_insert_all_0000000000000001',
      'evt_insert_all_0000000000000002',
    ])
  })

  it('inserts nothing when one row fails: the change never stands without its events', async () => {
    const original = await aVerificationRow()
    const row: VerificationRow = { ...original, id: `${original.id.slice(0, -4)}zz02` }
    const taken = 'evt_insert_all_0000000000000003'
    await t.tessera.store.events.insert(eventFor(original, taken))
    // The event's id is taken: its INSERT fails after the verification's succeeded.
    await expect(
      t.tessera.store.insertAll([
        { table: 'verifications', row },
        { table: 'events', row: eventFor(row, taken) },
      ]),
    ).rejects.toThrow()
    expect(await t.tessera.store.verifications.findById(row.appId, row.id)).toBeUndefined()
  })

  it('runs inside a transaction as that transaction’s writes: rolled back with it', async () => {
    const original = await aVerificationRow()
    const row: VerificationRow = { ...original, id: `${original.id.slice(0, -4)}zz03` }
    await expect(
      t.tessera.store.transaction(async (tx) => {
        await tx.insertAll([
          { table: 'verifications', row },
          { table: 'events', row: eventFor(row, 'evt_insert_all_0000000000000004') },
        ])
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await t.tessera.store.verifications.findById(row.appId, row.id)).toBeUndefined()
  })
})
