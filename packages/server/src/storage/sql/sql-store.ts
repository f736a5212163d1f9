import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../database.js'
import type {
  ApiKeyRepository,
  AppRepository,
  ConsoleSessionRepository,
  DeliveryRepository,
  EventRepository,
  FactorRepository,
  HeldTokenRepository,
  HostedSessionRepository,
  IdempotencyKeyRepository,
  MaintenanceRepository,
  SigningKeyRepository,
  Store,
  TokenRepository,
  VerificationRepository,
  VerifyServiceRepository,
  WebhookRepository,
} from '../store.js'
import { createApiKeyQueries } from './api-key-queries.js'
import { createAppQueries } from './app-queries.js'
import { createConsoleSessionQueries } from './console-session-queries.js'
import { createDeliveryQueries } from './delivery-queries.js'
import { createEventQueries } from './event-queries.js'
import { createFactorQueries } from './factor-queries.js'
import { createHostedSessionQueries } from './hosted-session-queries.js'
import { createIdempotencyKeyQueries } from './idempotency-key-queries.js'
import { createMaintenanceQueries } from './maintenance-queries.js'
import { insertAll } from './rows-together.js'
import { createSigningKeyQueries } from './signing-key-queries.js'
import { createTokenQueries } from './token-queries.js'
import { createVerificationQueries } from './verification-queries.js'
import { createHeldTokenQueries, createVerifyServiceQueries } from './verify-service-queries.js'
import { createWebhookQueries } from './webhook-queries.js'

/** The probe row's padding: more than two 4 KiB pages, so the probe needs pages a full database cannot give. */
const PROBE_PADDING = JSON.stringify({ padding: 'x'.repeat(9000) })

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
  let verifyServices: VerifyServiceRepository | undefined
  let heldTokens: HeldTokenRepository | undefined
  let idempotencyKeys: IdempotencyKeyRepository | undefined
  let webhooks: WebhookRepository | undefined
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
      signingKeys ??= createSigningKeyQueries(db, dialect)
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
    get verifyServices() {
      verifyServices ??= createVerifyServiceQueries(db)
      return verifyServices
    },
    get heldTokens() {
      heldTokens ??= createHeldTokenQueries(db)
      return heldTokens
    },
    get idempotencyKeys() {
      idempotencyKeys ??= createIdempotencyKeyQueries(db)
      return idempotencyKeys
    },
    get webhooks() {
      webhooks ??= createWebhookQueries(db, dialect)
      return webhooks
    },
    transaction: (work) => db.transaction().execute((trx) => work(createSqlStore(trx, dialect))),
    insertAll: (rows) => insertAll(db, dialect, rows),
    async ping() {
      await sql`select 1`.execute(db)
    },
    async probeWrite() {
      const id = `evt_probe_${randomUUID()}`
      await db.transaction().execute(async (trx) => {
        // A few pages' worth: a commit that fits in a half-empty page would pass where a verification's write
        // fails. Inserted and deleted before the commit, so no reader ever sees it, yet the commit writes the
        // pages it touched (SQLite's and PostgreSQL's WAL), as real writes do.
        await trx
          .insertInto('events')
          .values({
            id,
            appId: null,
            kind: 'readiness.probe',
            verificationId: null,
            identifierMasked: null,
            clientIp: null,
            details: PROBE_PADDING,
            createdAt: 0,
          })
          .execute()
        await trx.deleteFrom('events').where('id', '=', id).execute()
      })
    },
    close: () => db.destroy(),
  }
}
