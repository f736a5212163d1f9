import { type Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPlannedDatabase, type PlannedDatabase } from '../../../test/helpers/query-plan.js'
import { verificationRow } from '../../../test/helpers/verification-row.js'
import { defaultAppSettings } from '../../settings/resolve-settings.js'
import type { Database, VerificationRow, VerificationStatus } from '../database.js'
import { createAppQueries } from '../sql/app-queries.js'
import { createVerificationQueries } from '../sql/verification-queries.js'

// Migration 0017: the expiry sweep's index holds pending verifications only, and the sweep still reads it (a
// partial index serves a query only when its WHERE implies the index's condition); a verification that is no
// longer pending leaves it. On both engines.

const postgres = process.env.TEST_DATABASE === 'postgres'
const NOW = 1_800_000_000_000

let planned: PlannedDatabase
let db: Kysely<Database>
beforeEach(async () => {
  planned = await openPlannedDatabase()
  db = planned.db
  const settings = JSON.stringify(defaultAppSettings())
  await createAppQueries(db).insert({ id: 'app_1', name: 'app', settings, createdAt: NOW, updatedAt: NOW })
})
afterEach(async () => {
  await planned.destroy()
})

function verification(id: string, status: VerificationStatus, expiresAt: number): VerificationRow {
  return verificationRow(id, status, NOW, { expiresAt })
}

/** The definition of an index, as the engine keeps it. */
async function indexDefinition(name: string): Promise<string | undefined> {
  const rows = postgres
    ? await sql<{ definition: string }>`select indexdef as definition from pg_indexes
        where indexname = ${name} and schemaname = current_schema()`.execute(db)
    : await sql<{ definition: string }>`select sql as definition from sqlite_master where name = ${name}`.execute(db)
  return rows.rows[0]?.definition
}

/**
 * How many entries the index holds, which an approval's commit writes into. SQLite says so itself (the cells of
 * the index's leaf pages, `dbstat`); PostgreSQL cannot be asked without an extension, so there it is the rows
 * the index's condition holds.
 */
async function entriesOfIndex(): Promise<number> {
  const rows = postgres
    ? await sql<{ n: string }>`select count(*) as n from verifications where status = 'pending'`.execute(db)
    : await sql<{ n: number }>`select coalesce(sum(ncell), 0) as n from dbstat
        where name = 'verifications_pending_expires_at' and pagetype = 'leaf'`.execute(db)
  return Number(rows.rows[0]?.n)
}

describe('migration 0017: the expiry sweep’s index holds pending verifications only', () => {
  it('replaces the index on (status, expires_at) with one on expires_at of pending rows', async () => {
    expect(await indexDefinition('verifications_status_expires_at')).toBeUndefined()
    const definition = await indexDefinition('verifications_pending_expires_at')
    expect(definition).toMatch(/\(\s*"?expires_at"?\s*\)/i)
    expect(definition).toMatch(/where.*status.*=\s*'pending'/i)
  })

  it('serves the expiry sweep: pending verifications past their expiry, soonest first, through the index', async () => {
    const verifications = createVerificationQueries(db, planned.dialect)
    for (let i = 0; i < 20; i++) await verifications.insert(verification(`ver_live_${i}`, 'pending', NOW + 60_000 + i))
    await verifications.insert(verification('ver_over_late', 'pending', NOW - 1_000))
    await verifications.insert(verification('ver_over_early', 'pending', NOW - 5_000))
    await verifications.insert(verification('ver_approved', 'approved', NOW - 9_000))
    await verifications.insert(verification('ver_canceled', 'canceled', NOW - 9_000))
    // The finished two are not in it.
    expect(await entriesOfIndex()).toBe(22)
    expect((await verifications.listOverdue(NOW, 100)).map((row) => row.id)).toEqual([
      'ver_over_early',
      'ver_over_late',
    ])
    const plan = await planned.planOf((traced) =>
      createVerificationQueries(traced, planned.dialect).listOverdue(NOW, 100),
    )
    expect(plan).toContain('verifications_pending_expires_at')
    if (planned.dialect === 'sqlite') expect(plan).not.toContain('TEMP B-TREE')
  })

  it('loses the entry of a verification that is approved, canceled or expired', async () => {
    const verifications = createVerificationQueries(db, planned.dialect)
    for (const id of ['ver_a', 'ver_b', 'ver_c', 'ver_d']) {
      await verifications.insert(verification(id, 'pending', NOW + 60_000))
    }
    await verifications.insert(verification('ver_old', 'pending', NOW - 1))
    expect(await entriesOfIndex()).toBe(5)
    expect(await verifications.approve('ver_a', 'hash_ver_a', NOW)).toBe(true)
    expect(await verifications.finish('app_1', 'ver_b', 'canceled', NOW)).toBe(true)
    expect(await verifications.finish('app_1', 'ver_old', 'expired', NOW)).toBe(true)
    expect(await entriesOfIndex()).toBe(2)
    // What is still pending is still found by id (the primary key), as every check and resend finds it.
    expect((await verifications.findById('app_1', 'ver_c'))?.status).toBe('pending')
  })
})
