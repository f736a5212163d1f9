import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { POOLED_SCHEMA_PREFIX } from './postgres-schemas.js'

/**
 * A new pooled test schema's name, carrying this run's id (see postgres-schemas.ts), so that the setup of a
 * run started later on the same database leaves it alone while this run lives.
 */
export function newPooledSchemaName(): string {
  const run = inject('postgresTestRun')
  if (!run) throw new Error('no test run id: pooled PostgreSQL schemas are made only in the postgres project')
  return `${POOLED_SCHEMA_PREFIX}${run}_${randomBytes(6).toString('hex')}`
}
