import { type Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPlannedDatabase, type PlannedDatabase } from '../../../test/helpers/query-plan.js'
import type { Database } from '../database.js'
import { createDeliveryQueries } from '../sql/delivery-queries.js'
import { createEventQueries } from '../sql/event-queries.js'

// Migration 0016: the index of events waiting for the dispatcher holds only pending ones, the index of delivery
// attempts by provider message id only attempts that have one; and the queries that read them still use them
// (a partial index serves a query only when its WHERE implies the index's condition). On both engines.

const postgres = process.env.TEST_DATABASE === 'postgres'
const dialect = postgres ? 'postgres' : 'sqlite'

let planned: PlannedDatabase
let db: Kysely<Database>
beforeEach(async () => {
  planned = await openPlannedDatabase()
  db = planned.db
})
afterEach(async () => {
  await planned.destroy()
})

/** The definition of an index, as the engine keeps it. */
async function indexDefinition(name: string): Promise<string> {
  const rows = postgres
    ? await sql<{
        definition: string
      }>`select indexdef as definition from pg_indexes where indexname = ${name} and schemaname = current_schema()`.execute(
        db,
      )
    : await sql<{ definition: string }>`select sql as definition from sqlite_master where name = ${name}`.execute(db)
  const definition = rows.rows[0]?.definition
  if (definition === undefined) throw new Error(`no index ${name}`)
  return definition
}

const planOf = (run: (db: Kysely<Database>) => Promise<unknown>) => planned.planOf(run)

describe('migration 0016: partial indexes', () => {
  it('indexes only the events waiting for the dispatcher, and the dispatcher reads them through it', async () => {
    expect(await indexDefinition('events_dispatch_pending')).toMatch(/where.*dispatch_pending.*= *1/i)
    const event = (id: string, pending: number) =>
      sql`insert into events (id, app_id, kind, created_at, dispatch_pending)
          values (${id}, 'app_1', 'verification.started', ${Date.now()}, ${pending})`.execute(db)
    await event('evt_0001', 0)
    await event('evt_0002', 1)
    await event('evt_0003', 0)
    const events = createEventQueries(db, dialect)
    expect((await events.takeUndispatched(10)).map((row) => row.id)).toEqual(['evt_0002'])
    expect(await events.countUndispatched()).toBe(1)
    expect(await planOf((traced) => createEventQueries(traced, dialect).takeUndispatched(10))).toContain(
      'events_dispatch_pending',
    )
    await events.markDispatched(['evt_0002'])
    expect(await events.takeUndispatched(10)).toEqual([])
  })

  it("indexes only delivery attempts with a provider's message id, and status callbacks find them through it", async () => {
    expect(await indexDefinition('deliveries_provider_message')).toMatch(/where.*provider_message_id.*is not null/i)
    const attempt = (id: string, messageId: string | null) =>
      sql`insert into deliveries (id, app_id, verification_id, attempt, channel, provider, status,
            provider_message_id, created_at, updated_at)
          values (${id}, 'app_1', 'ver_1', 1, 'sms', 'twilio', 'sent', ${messageId}, 1, 1)`.execute(db)
    await attempt('dlv_0001', null)
    await attempt('dlv_0002', 'SM0002')
    const deliveries = createDeliveryQueries(db, dialect)
    expect((await deliveries.findByProviderMessage('twilio', 'SM0002'))?.id).toBe('dlv_0002')
    expect(
      await planOf((traced) => createDeliveryQueries(traced, dialect).findByProviderMessage('twilio', 'SM0002')),
    ).toContain('deliveries_provider_message')
  })
})
