import { describe, expect, it } from 'vitest'
import { eachTestDatabaseWithApps } from '../../../test/helpers/apps-in-database.js'
import { countingStatements as counted } from '../../../test/helpers/statement-count.js'
import { verificationRow } from '../../../test/helpers/verification-row.js'
import type { NewToken, VerificationRow } from '../database.js'
import { createTokenQueries } from '../sql/token-queries.js'
import { createVerificationQueries } from '../sql/verification-queries.js'

// @see issue 21 (item 5): on PostgreSQL the reads of one row by its key that a turn's requests ask for (a check's
// verification, a token by its hash) leave as one statement (storage/sql/turn-reads.ts). Runs in the postgres
// project only (vitest.config.ts).

const NOW = 1_800_000_000_000

const database = eachTestDatabaseWithApps(['app_1', 'app_2'], NOW)

async function stored(n: number, appId = 'app_1'): Promise<VerificationRow> {
  const row = verificationRow(`ver_read_${String(n).padStart(3, '0')}`, 'pending', NOW, { appId })
  await createVerificationQueries(database().db, 'postgres').insert(row)
  return row
}

describe('reads of one turn on PostgreSQL', () => {
  it("answers a turn's reads by id from one statement, each with its own row", async () => {
    const rows = await Promise.all(Array.from({ length: 12 }, (_, n) => stored(n, n % 3 === 0 ? 'app_2' : 'app_1')))
    const { db, statements } = counted(database().db)
    const verifications = createVerificationQueries(db, 'postgres')
    const found = await Promise.all(rows.map((row) => verifications.findById(row.appId, row.id)))
    expect(statements()).toBe(1)
    expect(found).toEqual(rows)
  })

  it('finds nothing for another app’s row, a missing id, and answers every asker of one id', async () => {
    const mine = await stored(1)
    const theirs = await stored(2, 'app_2')
    const { db, statements } = counted(database().db)
    const verifications = createVerificationQueries(db, 'postgres')
    const [first, second, other, missing] = await Promise.all([
      verifications.findById('app_1', mine.id),
      verifications.findById('app_1', mine.id),
      verifications.findById('app_1', theirs.id),
      verifications.findById('app_1', 'ver_read_none'),
    ])
    expect(statements()).toBe(1)
    expect(first).toEqual(mine)
    expect(second).toEqual(mine)
    expect(other).toBeUndefined()
    expect(missing).toBeUndefined()
  })

  it('answers an id PostgreSQL cannot hold (a NUL) as not found, and the turn’s other reads as before', async () => {
    const mine = await stored(4)
    const { db, statements } = counted(database().db)
    const verifications = createVerificationQueries(db, 'postgres')
    const [found, nul] = await Promise.all([
      verifications.findById('app_1', mine.id),
      verifications.findById('app_1', `${mine.id}\u0000`),
    ])
    expect(found).toEqual(mine)
    expect(nul).toBeUndefined()
    expect(statements()).toBe(1)
  })

  it('sees the writes its request awaited before the read', async () => {
    const row = await stored(3)
    const verifications = createVerificationQueries(database().db, 'postgres')
    const [claimed] = await Promise.all([
      (async () => {
        await verifications.claimAttempt(row.id, row.codeHash, NOW)
        return verifications.findById(row.appId, row.id)
      })(),
      verifications.findById(row.appId, row.id),
    ])
    expect(claimed?.attempts).toBe(1)
  })

  it("answers a turn's token reads by hash from one statement", async () => {
    const tokens = createTokenQueries(database().db, 'postgres')
    const made: NewToken[] = Array.from({ length: 5 }, (_, n) => ({
      id: `tok_read_${n}`,
      appId: n === 4 ? 'app_2' : 'app_1',
      verificationId: `ver_read_${n}`,
      tokenHash: `hash_read_${n}`,
      scene: 'login',
      channel: 'sms',
      identifier: '+15550000000',
      userId: null,
      issuedAt: NOW,
      expiresAt: NOW + 300_000,
      consumedAt: null,
    }))
    for (const token of made) await tokens.insert(token)
    const { db, statements } = counted(database().db)
    const reading = createTokenQueries(db, 'postgres')
    const found = await Promise.all(made.map((token) => reading.findByHash('app_1', token.tokenHash)))
    expect(statements()).toBe(1)
    expect(found.map((token) => token?.id)).toEqual(['tok_read_0', 'tok_read_1', 'tok_read_2', 'tok_read_3', undefined])
  })
})
