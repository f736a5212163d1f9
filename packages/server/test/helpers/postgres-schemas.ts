import pg from 'pg'

/** Test schemas that workers reuse between tests (see create-test-app.ts). */
export const POOLED_SCHEMA_PREFIX = 'tp_'

/**
 * Vitest global setup of the `postgres` project: drops pooled test schemas
 * left by an earlier run before the tests, and this run's after them.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dropPooled = async () => {
    const url = process.env.TEST_POSTGRES_URL
    if (!url) return
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const schemas = await client.query<{ nspname: string }>(
        'select nspname from pg_namespace where nspname like $1',
        [`${POOLED_SCHEMA_PREFIX}%`],
      )
      for (const { nspname } of schemas.rows) await client.query(`drop schema if exists ${nspname} cascade`)
    } finally {
      await client.end()
    }
  }
  await dropPooled()
  return dropPooled
}
