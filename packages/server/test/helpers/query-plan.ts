import {
  CompiledQuery,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely'
import type { Database } from '../../src/storage/database.js'
import { migrateToLatest } from '../../src/storage/migrations/migrate-to-latest.js'
import { createPostgresDatabase } from '../../src/storage/postgres/postgres-database.js'
import type { SqlDialect } from '../../src/storage/sql/fixed-sql.js'
import { createSqliteDatabase } from '../../src/storage/sqlite/sqlite-database.js'
import { newPooledSchemaName } from './pooled-schema.js'

/**
 * A migrated database on the engine the test project runs (`TEST_DATABASE=postgres`: a fresh schema, dropped
 * with the others by the project's global setup; else SQLite in memory), and the engine's plan for a query:
 * whether an index serves the queries that must not scan.
 */
export interface PlannedDatabase {
  readonly db: Kysely<Database>
  readonly dialect: SqlDialect
  /** The plan of the last query `run` makes through the Kysely instance it is given. */
  planOf(run: (db: Kysely<Database>) => Promise<unknown>): Promise<string>
  /** The plan of a statement written as SQL text with `?` (SQLite) or `$1…` (PostgreSQL) placeholders. */
  planOfSql(text: string, parameters: readonly unknown[]): Promise<string>
  destroy(): Promise<void>
}

export async function openPlannedDatabase(): Promise<PlannedDatabase> {
  const postgres = process.env.TEST_DATABASE === 'postgres'
  const dialect: SqlDialect = postgres ? 'postgres' : 'sqlite'
  let db: Kysely<Database>
  if (postgres) {
    const url = process.env.TEST_POSTGRES_URL
    if (!url) throw new Error('TEST_DATABASE=postgres needs TEST_POSTGRES_URL')
    const schema = newPooledSchemaName()
    db = createPostgresDatabase({ connectionString: url, poolSize: 2, schema })
    await sql`create schema ${sql.id(schema)}`.execute(db)
  } else {
    db = createSqliteDatabase(':memory:')
  }
  await migrateToLatest(db, { dialect })

  const explain = (compiled: CompiledQuery) =>
    db.connection().execute(async (connection) => {
      const run = async () => {
        const rows = await connection.executeQuery<Record<string, unknown>>({
          ...compiled,
          sql: `${postgres ? 'explain' : 'explain query plan'} ${compiled.sql}`,
        })
        return rows.rows.map((row) => String(row[postgres ? 'QUERY PLAN' : 'detail'])).join('\n')
      }
      if (!postgres) return run()
      // On nearly empty tables a sequential scan is cheapest; what matters is whether the index can serve.
      await sql`set enable_seqscan = off`.execute(connection)
      try {
        return await run()
      } finally {
        await sql`reset enable_seqscan`.execute(connection)
      }
    })

  return {
    db,
    dialect,
    async planOf(run) {
      const last = new LastQuery()
      const traced = db.withPlugin(last)
      await run(traced)
      if (!last.node) throw new Error('no query ran')
      return explain(traced.getExecutor().compileQuery(last.node, { queryId: 'plan' }))
    },
    planOfSql: (text, parameters) => explain(CompiledQuery.raw(text, [...parameters])),
    destroy: () => db.destroy(),
  }
}

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
