import { type Kysely, sql } from 'kysely'
import type { Database } from '../database.js'
import type { Store } from '../store.js'
import { createApiKeyQueries } from './api-key-queries.js'
import { createAppQueries } from './app-queries.js'
import { createDeliveryQueries } from './delivery-queries.js'
import { createEventQueries } from './event-queries.js'
import { createFactorQueries } from './factor-queries.js'
import { createHostedSessionQueries } from './hosted-session-queries.js'
import { createMaintenanceQueries } from './maintenance-queries.js'
import { createSigningKeyQueries } from './signing-key-queries.js'
import { createTokenQueries } from './token-queries.js'
import { createVerificationQueries } from './verification-queries.js'

/** The Store over any Kysely dialect; engine specifics stay in the dialect folders. */
export function createSqlStore(db: Kysely<Database>, dialect: 'sqlite' | 'postgres' = 'sqlite'): Store {
  return {
    apps: createAppQueries(db),
    apiKeys: createApiKeyQueries(db),
    verifications: createVerificationQueries(db),
    tokens: createTokenQueries(db),
    signingKeys: createSigningKeyQueries(db),
    events: createEventQueries(db),
    factors: createFactorQueries(db),
    maintenance: createMaintenanceQueries(db, dialect),
    hostedSessions: createHostedSessionQueries(db),
    deliveries: createDeliveryQueries(db),
    transaction: (work) => db.transaction().execute((trx) => work(createSqlStore(trx, dialect))),
    async ping() {
      await sql`select 1`.execute(db)
    },
    close: () => db.destroy(),
  }
}
