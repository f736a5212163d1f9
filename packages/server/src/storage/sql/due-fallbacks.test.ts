import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPlannedDatabase, type PlannedDatabase } from '../../../test/helpers/query-plan.js'
import { verificationRow } from '../../../test/helpers/verification-row.js'
import { defaultAppSettings } from '../../settings/resolve-settings.js'
import type { VerificationRow, VerificationStatus } from '../database.js'
import { createAppQueries } from './app-queries.js'
import { placeholdersFor } from './fixed-sql.js'
import { createVerificationQueries, dueFallbacksSql } from './verification-queries.js'

// @see issue 21: the channel fallback sweep runs every second on every instance. Its query read every pending
// verification through the (status, expires_at) index and sorted them (10–24 ms of the event loop a second
// with 100,000 pending); it must read the partial index of rows with a fallback to come, on both engines.

let planned: PlannedDatabase
beforeEach(async () => {
  planned = await openPlannedDatabase()
})
afterEach(async () => {
  await planned.destroy()
})

const NOW = 1_800_000_000_000

function verification(id: string, status: VerificationStatus, fallbackDueAt: number | null): VerificationRow {
  return verificationRow(id, status, NOW, { fallbackDueAt })
}

/** 50 pending verifications with no fallback, three due, one not yet due, two due but finished. */
async function seed() {
  const settings = JSON.stringify(defaultAppSettings())
  await createAppQueries(planned.db).insert({ id: 'app_1', name: 'app', settings, createdAt: NOW, updatedAt: NOW })
  const verifications = createVerificationQueries(planned.db, planned.dialect)
  for (let i = 0; i < 50; i++) await verifications.insert(verification(`ver_none_${i}`, 'pending', null))
  await verifications.insert(verification('ver_due_late', 'pending', NOW - 1_000))
  await verifications.insert(verification('ver_due_early', 'pending', NOW - 5_000))
  await verifications.insert(verification('ver_due_now', 'pending', NOW))
  await verifications.insert(verification('ver_not_yet', 'pending', NOW + 1))
  await verifications.insert(verification('ver_approved', 'approved', NOW - 9_000))
  await verifications.insert(verification('ver_canceled', 'canceled', NOW - 9_000))
  return verifications
}

describe('the fallback sweep query', () => {
  it('reads the partial index of due fallbacks, not every pending verification', async () => {
    await seed()
    // PostgreSQL plans from statistics, which its autovacuum keeps; SQLite has none and is told the index.
    if (planned.dialect === 'postgres') await sql`analyze verifications`.execute(planned.db)
    const text = placeholdersFor(planned.dialect, dueFallbacksSql(planned.dialect))
    const plan = await planned.planOfSql(text, [NOW, 100])
    expect(plan).toContain('verifications_fallback_due_at')
    expect(plan).not.toContain('verifications_pending_expires_at')
    // SQLite walks the index in its order; PostgreSQL may sort the few rows its bitmap scan of the index finds.
    if (planned.dialect === 'sqlite') expect(plan).not.toContain('TEMP B-TREE')
  })

  it('answers the pending verifications whose fallback is due, longest due first, and no others', async () => {
    const verifications = await seed()
    const due = await verifications.listDueFallbacks(NOW, 100)
    expect(due.map((row) => row.id)).toEqual(['ver_due_early', 'ver_due_late', 'ver_due_now'])
    expect(Number(due[0]?.fallbackDueAt)).toBe(NOW - 5_000)
    expect((await verifications.listDueFallbacks(NOW, 2)).map((row) => row.id)).toEqual([
      'ver_due_early',
      'ver_due_late',
    ])
  })
})
