import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPlannedDatabase, type PlannedDatabase } from '../../../test/helpers/query-plan.js'
import { createDeliveryQueries } from '../sql/delivery-queries.js'

// Migration 0018: delivery attempts are no longer indexed by their time (only the prune pass read that, and it
// does not need it); the one query that reads them by verification still has its index. On both engines.

let planned: PlannedDatabase
beforeEach(async () => {
  planned = await openPlannedDatabase()
})
afterEach(async () => {
  await planned.destroy()
})

describe('migration 0018: delivery attempts without an index on their time', () => {
  it('drops deliveries_created_at and keeps the index a verification’s attempts are read through', async () => {
    const postgres = planned.dialect === 'postgres'
    const indexes = postgres
      ? await sql<{ name: string }>`select indexname as name from pg_indexes
          where tablename = 'deliveries' and schemaname = current_schema()`.execute(planned.db)
      : await sql<{
          name: string
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'deliveries'`.execute(planned.db)
    const names = indexes.rows.map((row) => row.name)
    expect(names).not.toContain('deliveries_created_at')
    expect(names).toContain('deliveries_verification_id')
    const plan = await planned.planOf((traced) =>
      createDeliveryQueries(traced, planned.dialect).listByVerification('app_1', 'ver_1'),
    )
    expect(plan).toContain('deliveries_verification_id')
  })
})
