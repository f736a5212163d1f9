import type { Migration } from 'kysely'
import * as m0001 from './0001-initial.js'
import * as m0002 from './0002-factors.js'
import * as m0003 from './0003-deliveries.js'
import * as m0004 from './0004-sessions.js'

/** Every migration, in order. Names never change once released. */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ['0001-initial', m0001],
  ['0002-factors', m0002],
  ['0003-deliveries', m0003],
  ['0004-sessions', m0004],
]
