import { type Kysely, sql } from 'kysely'
import type { Database } from '../database.js'
import type {
  ApiKeyRepository,
  AppRepository,
  ConsoleSessionRepository,
  DeliveryRepository,
  EventRepository,
  FactorRepository,
  HostedSessionRepository,
  MaintenanceRepository,
  SigningKeyRepository,
  Store,
  TokenRepository,
  VerificationRepository,
} from '../store.js'
import { createApiKeyQueries } from './api-key-queries.js'
import { createAppQueries } from './app-queries.js'
import { createConsoleSessionQueries } from './console-session-queries.js'
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
  // Built on first use: a transaction gets its own Store and usually touches two or three repositories.
  let apps: AppRepository | undefined
  let apiKeys: ApiKeyRepository | undefined
  let verifications: VerificationRepository | undefined
  let tokens: TokenRepository | undefined
  let signingKeys: SigningKeyRepository | undefined
  let events: EventRepository | undefined
  let factors: FactorRepository | undefined
  let maintenance: MaintenanceRepository | undefined
  let deliveries: DeliveryRepository | undefined
  let hostedSessions: HostedSessionRepository | undefined
  let consoleSessions: ConsoleSessionRepository | undefined
  return {
    get apps() {
      apps ??= createAppQueries(db)
      return apps
    },
    get apiKeys() {
      apiKeys ??= createApiKeyQueries(db)
      return apiKeys
    },
    get verifications() {
      verifications ??= createVerificationQueries(db, dialect)
      return verifications
    },
    get tokens() {
      tokens ??= createTokenQueries(db, dialect)
      return tokens
    },
    get signingKeys() {
      signingKeys ??= createSigningKeyQueries(db)
      return signingKeys
    },
    get events() {
      events ??= createEventQueries(db, dialect)
      return events
    },
    get factors() {
      factors ??= createFactorQueries(db, dialect)
      return factors
    },
    get maintenance() {
      maintenance ??= createMaintenanceQueries(db, dialect)
      return maintenance
    },
    get hostedSessions() {
      hostedSessions ??= createHostedSessionQueries(db)
      return hostedSessions
    },
    get deliveries() {
      deliveries ??= createDeliveryQueries(db, dialect)
      return deliveries
    },
    get consoleSessions() {
      consoleSessions ??= createConsoleSessionQueries(db)
      return consoleSessions
    },
    transaction: (work) => db.transaction().execute((trx) => work(createSqlStore(trx, dialect))),
    async ping() {
      await sql`select 1`.execute(db)
    },
    close: () => db.destroy(),
  }
}
