import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { TestProject } from 'vitest/node'

/** Test schemas that workers reuse between tests (see create-test-app.ts), named `tp_<run>_<random>`. */
export const POOLED_SCHEMA_PREFIX = 'tp_'

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run of the `postgres` project, 8 hex digits, in the name of every pooled schema it makes. */
    postgresTestRun: string
  }
}

/**
 * A run holds the advisory lock (RUN_LOCK_CLASS, its id) on its setup's connection for as long as it lives,
 * so another run can tell a live run's schemas from those of a run that is gone. An arbitrary constant,
 * apart from the product's own lock (storage/sql/maintenance-queries.ts), which is a single bigint key.
 */
export const RUN_LOCK_CLASS = 0x7e57
const RUN_OF_SCHEMA = /^tp_([0-9a-f]{8})_/
/** A pooled schema's name from before runs had ids. */
const UNOWNED_SCHEMA = /^tp_[0-9a-f]{12}$/

/** A run id's lock key: its 32 bits as PostgreSQL's signed int4. */
export const lockKey = (run: string): number => Number.parseInt(run, 16) | 0

/**
 * Vitest global setup of the `postgres` project: gives this run an id (tests read it through `inject`),
 * drops the pooled schemas left by runs that are gone before the tests, and this run's after them. A run
 * still going on the same database (a second checkout's suite, CI beside a local run) keeps its schemas:
 * dropping them made its tests fail with errors that were not theirs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.TEST_POSTGRES_URL
  if (!url) return async () => undefined
  const run = randomBytes(4).toString('hex')
  const client = new pg.Client({ connectionString: url })
  await client.connect()

  const pooledSchemas = async (): Promise<string[]> => {
    // `_` is LIKE's one-character wildcard: escaped, so only names that do start with `tp_` come back.
    const result = await client.query<{ nspname: string }>('select nspname from pg_namespace where nspname like $1', [
      `${POOLED_SCHEMA_PREFIX.replaceAll('_', '\\_')}%`,
    ])
    return result.rows.map((row) => row.nspname)
  }
  const drop = (schema: string) => client.query(`drop schema if exists ${schema} cascade`)
  /** Whether the run `owner` is gone: nobody holds its lock (taken here only to look, then given back). */
  const gone = async (owner: string): Promise<boolean> => {
    const key = lockKey(owner)
    const result = await client.query<{ free: boolean }>('select pg_try_advisory_lock($1, $2) as free', [
      RUN_LOCK_CLASS,
      key,
    ])
    if (!result.rows[0]?.free) return false
    await client.query('select pg_advisory_unlock($1, $2)', [RUN_LOCK_CLASS, key])
    return true
  }

  try {
    await client.query('select pg_advisory_lock($1, $2)', [RUN_LOCK_CLASS, lockKey(run)])
    project.provide('postgresTestRun', run)
    // Schemas named before runs had ids have no owner to ask, and are dropped as before; any other `tp_` name
    // is not one of ours, and is left alone.
    const ownerGone = new Map<string, boolean>()
    for (const schema of await pooledSchemas()) {
      const owner = RUN_OF_SCHEMA.exec(schema)?.[1]
      if (owner === undefined) {
        if (UNOWNED_SCHEMA.test(schema)) await drop(schema)
        continue
      }
      if (owner === run) continue
      if (!ownerGone.has(owner)) ownerGone.set(owner, await gone(owner))
      if (ownerGone.get(owner)) await drop(schema)
    }
  } catch (error) {
    // The suite stops on a failed setup; an open connection would keep its process alive.
    await client.end()
    throw error
  }

  return async () => {
    try {
      for (const schema of await pooledSchemas()) if (RUN_OF_SCHEMA.exec(schema)?.[1] === run) await drop(schema)
    } finally {
      // Ending the session gives the run's lock back.
      await client.end()
    }
  }
}
