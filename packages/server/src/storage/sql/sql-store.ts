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
  RowForTable,
  SigningKeyRepository,
  StagedWrite,
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
import { insertAll, stageAll } from './rows-together.js'
import { createSigningKeyQueries } from './signing-key-queries.js'
import { createTokenQueries } from './token-queries.js'
import { createVerificationQueries } from './verification-queries.js'
import { createHeldTokenQueries, createVerifyServiceQueries } from './verify-service-queries.js'
import { createWebhookQueries } from './webhook-queries.js'

/** The probe row's padding: more than two 4 KiB pages, so the probe needs pages a full database cannot give. */
const PROBE_PADDING = JSON.stringify({ padding: 'x'.repeat(9000) })

/** The Store over any Kysely dialect; engine specifics stay in the dialect folders. */
export function createSqlStore(db: Kysely<Database>, dialect: 'sqlite' | 'postgres' = 'sqlite'): Store {
  return new SqlStore(db, dialect)
}

/**
 * Repositories are built on first use: a transaction gets its own Store and usually touches two or three.
 * A class rather than an object literal with getters: V8 gives every such literal its own accessor pairs in
 * the old generation, and what their closures reach then survives scavenges (see delivery/provider-chain.ts).
 */
class SqlStore implements Store {
  #apps: AppRepository | undefined
  #apiKeys: ApiKeyRepository | undefined
  #verifications: VerificationRepository | undefined
  #tokens: TokenRepository | undefined
  #signingKeys: SigningKeyRepository | undefined
  #events: EventRepository | undefined
  #factors: FactorRepository | undefined
  #maintenance: MaintenanceRepository | undefined
  #hostedSessions: HostedSessionRepository | undefined
  #deliveries: DeliveryRepository | undefined
  #consoleSessions: ConsoleSessionRepository | undefined
  #verifyServices: VerifyServiceRepository | undefined
  #heldTokens: HeldTokenRepository | undefined
  #idempotencyKeys: IdempotencyKeyRepository | undefined
  #webhooks: WebhookRepository | undefined

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  get apps(): AppRepository {
    this.#apps ??= createAppQueries(this.db)
    return this.#apps
  }

  get apiKeys(): ApiKeyRepository {
    this.#apiKeys ??= createApiKeyQueries(this.db)
    return this.#apiKeys
  }

  get verifications(): VerificationRepository {
    this.#verifications ??= createVerificationQueries(this.db, this.dialect)
    return this.#verifications
  }

  get tokens(): TokenRepository {
    this.#tokens ??= createTokenQueries(this.db, this.dialect)
    return this.#tokens
  }

  get signingKeys(): SigningKeyRepository {
    this.#signingKeys ??= createSigningKeyQueries(this.db, this.dialect)
    return this.#signingKeys
  }

  get events(): EventRepository {
    this.#events ??= createEventQueries(this.db, this.dialect)
    return this.#events
  }

  get factors(): FactorRepository {
    this.#factors ??= createFactorQueries(this.db, this.dialect)
    return this.#factors
  }

  get maintenance(): MaintenanceRepository {
    this.#maintenance ??= createMaintenanceQueries(this.db, this.dialect)
    return this.#maintenance
  }

  get hostedSessions(): HostedSessionRepository {
    this.#hostedSessions ??= createHostedSessionQueries(this.db)
    return this.#hostedSessions
  }

  get deliveries(): DeliveryRepository {
    this.#deliveries ??= createDeliveryQueries(this.db, this.dialect)
    return this.#deliveries
  }

  get consoleSessions(): ConsoleSessionRepository {
    this.#consoleSessions ??= createConsoleSessionQueries(this.db)
    return this.#consoleSessions
  }

  get verifyServices(): VerifyServiceRepository {
    this.#verifyServices ??= createVerifyServiceQueries(this.db)
    return this.#verifyServices
  }

  get heldTokens(): HeldTokenRepository {
    this.#heldTokens ??= createHeldTokenQueries(this.db)
    return this.#heldTokens
  }

  get idempotencyKeys(): IdempotencyKeyRepository {
    this.#idempotencyKeys ??= createIdempotencyKeyQueries(this.db)
    return this.#idempotencyKeys
  }

  get webhooks(): WebhookRepository {
    this.#webhooks ??= createWebhookQueries(this.db, this.dialect)
    return this.#webhooks
  }

  transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new SqlStore(trx, this.dialect)))
  }

  insertAll(rows: readonly RowForTable[]): Promise<void> {
    return insertAll(this.db, this.dialect, rows)
  }

  stageAll(rows: readonly RowForTable[]): Promise<StagedWrite> {
    return stageAll(this.db, this.dialect, rows)
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db)
  }

  async probeWrite(): Promise<void> {
    const id = `evt_probe_${randomUUID()}`
    await this.db.transaction().execute(async (trx) => {
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
  }

  close(): Promise<void> {
    return this.db.destroy()
  }
}
