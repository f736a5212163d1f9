import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'
import { startedEventRow } from '../../../test/helpers/event-row.js'
import type { NewToken, VerificationRow } from '../database.js'

// rows-together.ts: Store.insertAll writes a change and the events that report it together, and a conditional
// update that takes rows (an approval, a token's consumption) inserts them if and only if it won: on PostgreSQL
// as one statement (data-modifying WITH clauses), on SQLite in one transaction. Run on both by the test projects.

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

describe('Store.insertAll', () => {
  it('inserts rows of several tables, every column as given', async () => {
    const original = await aVerificationRow()
    const row: VerificationRow = { ...original, id: `${original.id.slice(0, -4)}zz01` }
    await t.tessera.store.insertAll([
      { table: 'verifications', row },
      { table: 'events', row: startedEventRow(row, 'evt_insert_all_0000000000000001') },
      { table: 'events', row: startedEventRow(row, 'evt_insert_all_0000000000000002') },
    ])
    const stored = await t.tessera.store.verifications.findById(row.appId, row.id)
    expect(stored).toEqual(row)
    const events = await t.tessera.store.events.listByVerification(row.appId, row.id, 10)
    expect(events.map((event) => event.id).sort()).toEqual([
      'evt_insert_all_0000000000000001',
      'evt_insert_all_0000000000000002',
    ])
  })

  it.each(['insertAll', 'stageAll'] as const)(
    '%s inserts nothing when one row fails: the change never stands without its events',
    async (method) => {
      const original = await aVerificationRow()
      const row: VerificationRow = { ...original, id: `${original.id.slice(0, -4)}zz02` }
      const taken = 'evt_insert_all_0000000000000003'
      await t.tessera.store.events.insert(startedEventRow(original, taken))
      // The event's id is taken: its INSERT fails after the verification's succeeded.
      await expect(
        t.tessera.store[method]([
          { table: 'verifications', row },
          { table: 'events', row: startedEventRow(row, taken) },
        ]),
      ).rejects.toThrow()
      expect(await t.tessera.store.verifications.findById(row.appId, row.id)).toBeUndefined()
    },
  )

  it('runs inside a transaction as that transaction’s writes: rolled back with it', async () => {
    const original = await aVerificationRow()
    const row: VerificationRow = { ...original, id: `${original.id.slice(0, -4)}zz03` }
    await expect(
      t.tessera.store.transaction(async (tx) => {
        await tx.insertAll([
          { table: 'verifications', row },
          { table: 'events', row: startedEventRow(row, 'evt_insert_all_0000000000000004') },
        ])
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await t.tessera.store.verifications.findById(row.appId, row.id)).toBeUndefined()
  })
})

describe('Store.stageAll', () => {
  it('answers with rows this instance sees, then commits them all: what a start sends after', async () => {
    const original = await aVerificationRow()
    const row: VerificationRow = { ...original, id: `${original.id.slice(0, -4)}zz11` }
    const event = startedEventRow(row, 'evt_stage_all_00000000000000001')
    const staged = await t.tessera.store.stageAll([
      { table: 'verifications', row },
      { table: 'events', row: event },
    ])
    // A later read of this instance sees the row (on SQLite it joins the open batch, so answers after its commit).
    const seen = t.tessera.store.verifications.findById(row.appId, row.id)
    await staged.committed
    expect(await seen).toEqual(row)
    const events = await t.tessera.store.events.listByVerification(row.appId, row.id, 10)
    expect(events.map((stored) => stored.id)).toEqual([event.id])
  })

  it('runs inside a transaction as that transaction’s writes: rolled back with it', async () => {
    const original = await aVerificationRow()
    const row: VerificationRow = { ...original, id: `${original.id.slice(0, -4)}zz13` }
    await expect(
      t.tessera.store.transaction(async (tx) => {
        const staged = await tx.stageAll([{ table: 'verifications', row }])
        await staged.committed
        expect(await tx.verifications.findById(row.appId, row.id)).toEqual(row)
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await t.tessera.store.verifications.findById(row.appId, row.id)).toBeUndefined()
  })
})

function tokenFor(row: VerificationRow, n: number): NewToken {
  return {
    id: `tok_rows_together_${String(n).padStart(12, '0')}`,
    appId: row.appId,
    verificationId: row.id,
    tokenHash: `hash-${row.id}-${n}`,
    scene: row.scene,
    channel: row.channel,
    identifier: row.identifier,
    userId: row.userId,
    factorId: row.factorId,
    issuedAt: Number(row.createdAt),
    expiresAt: Number(row.createdAt) + 300_000,
    consumedAt: null,
  }
}

describe('a conditional update with rows (approve, consume)', () => {
  it('inserts the rows when it wins, and nothing when it loses', async () => {
    const row = await aVerificationRow()
    const now = Number(row.createdAt) + 1
    const store = t.tessera.store
    const won = await store.verifications.approve(row.id, row.codeHash, now, [
      { table: 'events', row: startedEventRow(row, 'evt_rows_together_00000000000001') },
      { table: 'tokens', row: tokenFor(row, 1) },
    ])
    expect(won).toBe(true)
    expect((await store.verifications.findById(row.appId, row.id))?.status).toBe('approved')
    expect(await store.tokens.findByHash(row.appId, tokenFor(row, 1).tokenHash)).toMatchObject({
      id: tokenFor(row, 1).id,
    })
    // Approved already: the condition fails, so neither row is written.
    const again = await store.verifications.approve(row.id, row.codeHash, now, [
      { table: 'events', row: startedEventRow(row, 'evt_rows_together_00000000000002') },
      { table: 'tokens', row: tokenFor(row, 2) },
    ])
    expect(again).toBe(false)
    expect(await store.tokens.findByHash(row.appId, tokenFor(row, 2).tokenHash)).toBeUndefined()
    expect(await store.events.findById(row.appId, 'evt_rows_together_00000000000002')).toBeUndefined()
  })

  it('of racing approvals exactly one wins, and only its rows exist', async () => {
    const row = await aVerificationRow()
    const now = Number(row.createdAt) + 1
    const store = t.tessera.store
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.verifications.approve(row.id, row.codeHash, now, [
          { table: 'events', row: startedEventRow(row, `evt_rows_together_race_${String(i).padStart(8, '0')}`) },
          { table: 'tokens', row: tokenFor(row, 100 + i) },
        ]),
      ),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    const winner = results.indexOf(true)
    for (let i = 0; i < 20; i++) {
      const token = await store.tokens.findByHash(row.appId, tokenFor(row, 100 + i).tokenHash)
      expect(token === undefined).toBe(i !== winner)
    }
    const events = await store.events.listByVerification(row.appId, row.id, 50)
    expect(events.filter((event) => event.id.startsWith('evt_rows_together_race_'))).toHaveLength(1)
  })

  it('undoes the update when a row cannot be inserted: never approved without its token', async () => {
    const row = await aVerificationRow()
    const now = Number(row.createdAt) + 1
    const store = t.tessera.store
    const taken = 'evt_rows_together_00000000000003'
    await store.events.insert(startedEventRow(row, taken))
    await expect(
      store.verifications.approve(row.id, row.codeHash, now, [
        { table: 'tokens', row: tokenFor(row, 3) },
        { table: 'events', row: startedEventRow(row, taken) },
      ]),
    ).rejects.toThrow()
    expect((await store.verifications.findById(row.appId, row.id))?.status).toBe('pending')
    expect(await store.tokens.findByHash(row.appId, tokenFor(row, 3).tokenHash)).toBeUndefined()
  })

  it('consumes a token once, with its event, across racing consumers', async () => {
    const row = await aVerificationRow()
    const now = Number(row.createdAt) + 1
    const store = t.tessera.store
    const token = tokenFor(row, 4)
    await store.tokens.insert(token)
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.tokens.consume(row.appId, token.tokenHash, now, [
          { table: 'events', row: startedEventRow(row, `evt_rows_together_use_${String(i).padStart(9, '0')}`) },
        ]),
      ),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    expect((await store.tokens.findByHash(row.appId, token.tokenHash))?.consumedAt).toBe(now)
    const events = await store.events.listByVerification(row.appId, row.id, 50)
    expect(events.filter((event) => event.id.startsWith('evt_rows_together_use_'))).toHaveLength(1)
  })
})
