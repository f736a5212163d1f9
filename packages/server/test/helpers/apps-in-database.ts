import type { Kysely } from 'kysely'
import { afterEach, beforeEach } from 'vitest'
import { defaultAppSettings } from '../../src/settings/resolve-settings.js'
import type { Database } from '../../src/storage/database.js'
import { createAppQueries } from '../../src/storage/sql/app-queries.js'
import { openPlannedDatabase, type PlannedDatabase } from './query-plan.js'

/** Apps with default settings, for storage tests whose rows must belong to an app (the foreign keys). */
export async function insertApps(db: Kysely<Database>, ids: readonly string[], now: number): Promise<void> {
  const settings = JSON.stringify(defaultAppSettings())
  const apps = createAppQueries(db)
  for (const id of ids) await apps.insert({ id, name: id, settings, createdAt: now, updatedAt: now })
}

/** For each test of the file: a migrated database (openPlannedDatabase) holding apps `ids`, destroyed after it. */
export function eachTestDatabaseWithApps(ids: readonly string[], now: number): () => PlannedDatabase {
  let planned: PlannedDatabase | undefined
  beforeEach(async () => {
    planned = await openPlannedDatabase()
    await insertApps(planned.db, ids, now)
  })
  afterEach(async () => {
    await planned?.destroy()
    planned = undefined
  })
  return () => {
    if (planned === undefined) throw new Error('the database exists only inside a test')
    return planned
  }
}
