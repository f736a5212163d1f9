import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestProject } from 'vitest/node'
import setupPostgresSchemas, { lockKey, RUN_LOCK_CLASS } from './postgres-schemas.js'

const postgresUrl = process.env.TEST_POSTGRES_URL
if (!postgresUrl) {
  process.stderr.write(
    "postgres-schemas: the clean-up of test runs' schemas is not checked (TEST_POSTGRES_URL is not set).\n",
  )
}

// The global setup of the postgres project, run here as a second run would start beside this one.
describe.skipIf(!postgresUrl)('pooled test schemas on one PostgreSQL database', () => {
  let admin: pg.Client
  /** Another run that is still going: it holds its lock on a connection of its own. */
  let liveRun: pg.Client
  const live = randomBytes(4).toString('hex')
  const gone = randomBytes(4).toString('hex')
  const schemas = {
    live: `tp_${live}_${randomBytes(6).toString('hex')}`,
    gone: `tp_${gone}_${randomBytes(6).toString('hex')}`,
    unowned: `tp_${randomBytes(6).toString('hex')}`,
    // Names the setup must not take for pooled ones: `_` is a wildcard to LIKE.
    notOurs: `tpx${randomBytes(6).toString('hex')}`,
    notPooled: `tp_keep_${randomBytes(4).toString('hex')}`,
  }

  const exists = async (schema: string): Promise<boolean> =>
    (await admin.query('select 1 from pg_namespace where nspname = $1', [schema])).rowCount === 1

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    liveRun = new pg.Client({ connectionString: postgresUrl })
    await liveRun.connect()
    await liveRun.query('select pg_advisory_lock($1, $2)', [RUN_LOCK_CLASS, lockKey(live)])
    for (const schema of Object.values(schemas)) await admin.query(`create schema ${schema}`)
  })

  afterAll(async () => {
    for (const schema of Object.values(schemas)) await admin?.query(`drop schema if exists ${schema} cascade`)
    await liveRun?.end()
    await admin?.end()
  })

  it("a run's setup drops the schemas of runs that are gone, keeps a live run's and others'; its teardown drops its own", async () => {
    let provided: unknown
    const project = { provide: (_key: string, value: unknown) => (provided = value) } as unknown as TestProject
    const teardown = await setupPostgresSchemas(project)

    expect(await exists(schemas.live)).toBe(true)
    expect(await exists(schemas.gone)).toBe(false)
    expect(await exists(schemas.unowned)).toBe(false)
    expect(await exists(schemas.notOurs)).toBe(true)
    expect(await exists(schemas.notPooled)).toBe(true)
    expect(provided).toMatch(/^[0-9a-f]{8}$/)
    // The run id reached its tests, and the run's own schemas are the ones its teardown drops.
    const own = `tp_${provided}_${randomBytes(6).toString('hex')}`
    await admin.query(`create schema ${own}`)

    await teardown()
    expect(await exists(own)).toBe(false)
    expect(await exists(schemas.live)).toBe(true)
    // The teardown ended the run's session, and so gave its lock back: a later run may drop what it left.
    const lock = await admin.query<{ free: boolean }>('select pg_try_advisory_lock($1, $2) as free', [
      RUN_LOCK_CLASS,
      lockKey(String(provided)),
    ])
    expect(lock.rows[0]?.free).toBe(true)
    await admin.query('select pg_advisory_unlock_all()')
  })
})
