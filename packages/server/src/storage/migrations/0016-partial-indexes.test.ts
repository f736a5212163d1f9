import { randomBytes } from 'node:crypto'
import {
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { POOLED_SCHEMA_PREFIX } from '../../../test/helpers/postgres-schemas.js'
import type { Database } from '../database.js'
import { createPostgresDatabase } from '../postgres/postgres-database.js'
import { createDeliveryQueries } from '../sql/delivery-queries.js'
import { createEventQueries } from '../sql/event-queries.js'
import { createSqliteDatabase } from '../sqlite/sqlite-database.js'
import { migrateToLatest } from './migrate-to-latest.js'

// Migration 0016: the index of events waiting for the dispatcher holds only pending ones, the index of delivery
// attempts by provider message id only attempts that have one; and the queries that read them still use them
// (a partial index serves a query only when its WHERE implies the index's condition). On both engines.

const postgres = process.env.TEST_DATABASE === 'postgres'
const dialect = postgres ? 'postgres' : 'sqlite'

/** Keeps the last query a repository ran, to ask the engine for its plan. */
class LastQuery implements KyselyPlugin {
  node: RootOperationNode | undefined
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.node = args.node
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}

let db: Kysely<Database>
beforeEach(async () => {
  if (postgres) {
    const url = process.env.TEST_POSTGRES_URL
    if (!url) throw new Error('TEST_DATABASE=postgres needs TEST_POSTGRES_URL')
    // A schema of its own, dropped with the others by the project's global setup.
    const schema = `${POOLED_SCHEMA_PREFIX}${randomBytes(6).toString('hex')}`
    db = createPostgresDatabase({ connectionString: url, poolSize: 2, schema })
    await sql`create schema ${sql.id(schema)}`.execute(db)
  } else {
    db = createSqliteDatabase(':memory:')
  }
  await migrateToLatest(db, { dialect })
})
afterEach(async () => {
  await db.destroy()
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

/** The engine's plan for the last query a repository ran (PostgreSQL told to prefer any usable index). */
async function planOf(run: (db: Kysely<Database>) => Promise<unknown>): Promise<string> {
  const last = new LastQuery()
  const traced = db.withPlugin(last)
  await run(traced)
  if (!last.node) throw new Error('no query ran')
  const compiled = traced.getExecutor().compileQuery(last.node, { queryId: 'plan' })
  return db.connection().execute(async (connection) => {
    const explain = async () => {
      const rows = await connection.executeQuery<Record<string, unknown>>({
        ...compiled,
        sql: `${postgres ? 'explain' : 'explain query plan'} ${compiled.sql}`,
      })
      return rows.rows.map((row) => String(row[postgres ? 'QUERY PLAN' : 'detail'])).join('\n')
    }
    if (!postgres) return explain()
    // On nearly empty tables a sequential scan is cheapest; what matters is whether the index can serve.
    await sql`set enable_seqscan = off`.execute(connection)
    try {
      return await explain()
    } finally {
      await sql`reset enable_seqscan`.execute(connection)
    }
  })
}

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
