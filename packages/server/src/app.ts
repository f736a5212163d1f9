import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { type Kysely, sql } from 'kysely'
import type { Logger } from 'pino'
import { BUILT_IN_CHANNELS } from './channels/built-in-channels.js'
import type { Config } from './config/config-schema.js'
import { publicUrlOf } from './config/load-config.js'
import { type AppService, createAppService } from './core/app-service.js'
import { type Clock, systemClock } from './core/clock.js'
import { createEventLog } from './core/event-log.js'
import { createFactorService } from './core/factor-service.js'
import { createHostedSessionService } from './core/hosted-session-service.js'
import { createMessageDelivery } from './core/message-delivery.js'
import { type PruneJob, startPruneJob } from './core/prune-job.js'
import { startSigningKeyRefresh } from './core/signing-key-refresh.js'
import { createSigningKeyRing, type SigningKeyRing } from './core/signing-key-ring.js'
import { createTokenService } from './core/token-service.js'
import { createVerificationService } from './core/verification-service.js'
import { startFallbackSweep } from './core/verifications/fallback-sweep.js'
import { createWebhookDispatcher, type WebhookDispatcher } from './core/webhooks/webhook-dispatcher.js'
import { createFetchWebhookSender, type WebhookSender } from './core/webhooks/webhook-sender.js'
import { createWebhookService } from './core/webhooks/webhook-service.js'
import { decryptSecret, deriveServerKeys, encryptSecret } from './crypto/secrets.js'
import { BUILT_IN_PROVIDERS } from './delivery/built-in-providers.js'
import type { DeliveryProvider } from './delivery/delivery-provider.js'
import { createDeliveryRegistry, type DeliveryRegistry, type ProviderEntry } from './delivery/provider-registry.js'
import { createServer } from './http/create-server.js'
import { createFlexibleRateLimiter } from './limits/flexible-rate-limiter.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import type { ChannelName } from './settings/app-settings.js'
import type { Database } from './storage/database.js'
import { migrateToLatest } from './storage/migrations/migrate-to-latest.js'
import { dialectOf, openDatabase } from './storage/open-database.js'
import { createSqlStore } from './storage/sql/sql-store.js'
import type { Store } from './storage/store.js'
import { BUILT_IN_VERIFIERS } from './verifiers/built-in-verifiers.js'
import type { Verifier } from './verifiers/verifier.js'
import { createVerifierRegistry } from './verifiers/verifier-registry.js'

/** Longest token lifetime the settings allow; retired signing keys stay published at least this long. */
const MAX_TOKEN_TTL_MS = 3600 * 1000
const PRUNE_INTERVAL_MS = 15 * 60 * 1000
/** How often each instance looks for due webhook messages (it also looks right after recording an event). */
const WEBHOOK_POLL_MS = 1000

export interface Tessera {
  readonly server: FastifyInstance
  readonly store: Store
  readonly apps: AppService
  readonly keyRing: SigningKeyRing
  readonly delivery: DeliveryRegistry
  readonly pruneJob: PruneJob
  /** This server's Prometheus metrics (served per `TESSERA_METRICS`). */
  readonly metrics: Metrics
  /** Posts the outbox's events to the apps' webhook endpoints (runs in every instance). */
  readonly webhookDispatcher: WebhookDispatcher
  /** Sends the channel fallbacks that are due now (a timer does it every second; tests call it with their clock). */
  readonly runDueFallbacks: () => Promise<number>
  /** Tells the app its real address once listening (PORT=0 picks the port then). */
  setListeningPort(port: number): void
  /** Stops timers, closes the HTTP server, delivery connections and the database. */
  close(): Promise<void>
}

export interface TesseraOptions {
  readonly config: Config
  readonly secret: string
  readonly adminKey: string
  readonly logger: Logger
  readonly clock?: Clock
  /** Replaces the default provider chains derived from configuration, channel by channel (tests use a capture provider). */
  readonly deliveryRoutes?: Readonly<Partial<Record<ChannelName, readonly ProviderEntry[]>>>
  /** Extra providers beside the built-in ones (tests). */
  readonly extraProviders?: readonly DeliveryProvider<never>[]
  /** Extra verification types beside the built-in ones (tests prove the interface suffices). */
  readonly extraVerifiers?: readonly Verifier[]
  /** PostgreSQL schema to use instead of `public` (tests isolate themselves). */
  readonly postgresSchema?: string
  /**
   * A database the caller opened instead of the configured one, of the configured engine (tests that reach
   * its connection, e.g. to cap a SQLite file's size). The app closes it.
   */
  readonly database?: Kysely<Database>
  /** Replaces the HTTP client that posts webhooks (tests). */
  readonly webhookSender?: WebhookSender
  /**
   * Whether this instance posts webhooks in the background (default true: every instance does). Tests that
   * run several instances on one SQLite file in one process turn it off (SQLite serves one instance).
   */
  readonly dispatchWebhooks?: boolean
  /** The jitter's randomness in [0, 1) (tests pin it). */
  readonly random?: () => number
  /** Where the console provider prints; standard output by default. */
  readonly writeDevelopmentOutput?: (line: string) => void
}

/**
 * The server's default provider chain per channel, from configuration:
 * each channel's `TESSERA_<CHANNEL>_PROVIDERS` (a JSON list, the same shape as
 * an app's `channels.<channel>.providers`) when set; else what the channel's
 * simpler settings describe (SMTP, the SMS webhook); else the console
 * (development only). The channel decides (channels/<name>/).
 */
function deliveryRoutesFromConfig(config: Config): Record<ChannelName, ProviderEntry[]> {
  const routes: Record<string, ProviderEntry[]> = {}
  for (const channel of BUILT_IN_CHANNELS) {
    // TESSERA_DELIVERY=null: every message is dropped (load tests).
    routes[channel.name] =
      config.delivery === 'null'
        ? [{ type: 'null' }]
        : (channel.defaultProviders(config as unknown as Record<string, unknown>) as ProviderEntry[])
  }
  return routes as Record<ChannelName, ProviderEntry[]>
}

/** The one place that wires everything together. */
export async function createTessera(options: TesseraOptions): Promise<Tessera> {
  const { config, logger } = options
  const clock = options.clock ?? systemClock
  const db =
    options.database ??
    (await openDatabase(config, {
      // Modes tightened on the data folder and database files: worth an operator's attention, never a secret.
      onNotice: (message) => logger.warn(message),
      ...(options.postgresSchema ? { postgresSchema: options.postgresSchema } : {}),
    }))
  if (options.postgresSchema) await sql`create schema if not exists ${sql.id(options.postgresSchema)}`.execute(db)
  const dialect = dialectOf(config)
  await migrateToLatest(db, { dialect })
  const store = createSqlStore(db, dialect)
  const serverKeys = deriveServerKeys(options.secret)
  const events = createEventLog({ events: store.events, clock, logger })

  const redis = config.redisUrl
    ? (await import('./limits/redis-client.js')).createRedisClient(config.redisUrl, logger)
    : undefined
  const limits = createFlexibleRateLimiter({ redis, onRedisFailure: config.redisFailure, nowMs: () => clock.nowMs() })

  const keyRing = createSigningKeyRing({
    repository: store.signingKeys,
    clock,
    serverKeys,
    retentionMs: MAX_TOKEN_TTL_MS + 5 * 60 * 1000,
    events,
  })
  await keyRing.load()
  const stopKeyRefresh = startSigningKeyRefresh(keyRing, logger)

  const delivery = createDeliveryRegistry(
    [...BUILT_IN_PROVIDERS, ...(options.extraProviders ?? [])],
    { ...deliveryRoutesFromConfig(config), ...options.deliveryRoutes },
    {
      nodeEnv: config.nodeEnv,
      nowMs: () => clock.nowMs(),
      writeDevelopmentOutput: options.writeDevelopmentOutput ?? ((line) => process.stdout.write(`${line}\n`)),
      unseal: (sealed) => decryptSecret(serverKeys, sealed),
      allowInternal: config.nodeEnv === 'test' || config.nodeEnv === 'bench',
    },
  )
  const metrics = createMetrics()
  metrics.onScrape(() => {
    metrics.providerBreakerOpen.reset()
    for (const [provider, open] of delivery.openBreakers()) metrics.providerBreakerOpen.set({ provider }, open)
  })
  const verifiers = createVerifierRegistry([...BUILT_IN_VERIFIERS, ...(options.extraVerifiers ?? [])])
  const apps = createAppService({
    store,
    clock,
    keys: serverKeys,
    adminKey: options.adminKey,
    events,
    verifierTypes: verifiers.types(),
    settingsSchema: verifiers.settingsSchema,
    delivery,
    production: config.nodeEnv === 'production',
  })
  let publicUrl = publicUrlOf(config)
  const messages = createMessageDelivery({
    store,
    clock,
    registry: delivery,
    events,
    logger,
    metrics,
    publicUrl: () => publicUrl,
    maskIdentifier: (channel, identifier) => verifiers.find(channel)?.delivery?.maskIdentifier(identifier),
    // A failed or undelivered receipt may start the channel's fallback (the service is made just below).
    onStatus: (delivery, status) => verifications.onDeliveryStatus(delivery, status),
  })
  const tokens = createTokenService({ store, clock, keyRing, serverKeys, issuer: () => publicUrl, events })
  const verifications = createVerificationService({
    getApp: (appId) => apps.getApp(appId),
    limits,
    store,
    clock,
    serverKeys,
    verifiers,
    messages,
    tokens,
    events,
    logger,
    metrics,
    production: config.nodeEnv === 'production',
  })
  const factors = createFactorService({ store, clock, serverKeys, verifiers, verifications, tokens, events })
  const hostedSessions = createHostedSessionService({
    store,
    clock,
    apps,
    verifications,
    serverKeys,
    publicUrl: () => publicUrl,
    verifiers,
    factors,
  })
  const webhookDispatcher = createWebhookDispatcher({
    store,
    clock,
    serverKeys,
    events,
    logger,
    send: options.webhookSender ?? createFetchWebhookSender('Tessera-Webhooks/1'),
    pollIntervalMs: WEBHOOK_POLL_MS,
    // Expiry is a change nobody requests: each pass marks what ran out, so verification.expired goes out.
    beforePass: () => verifications.expireOverdue(200),
    onAttempt: (attempt) => metrics.webhookAttempts.inc({ result: attempt.succeeded ? 'succeeded' : 'failed' }),
    ...(options.random ? { random: options.random } : {}),
  })
  const webhooks = createWebhookService({
    store,
    clock,
    serverKeys,
    onEndpointEnabled: (appId) => webhookDispatcher.wakeFor(appId),
    onEndpointOff: (appId) => void webhookDispatcher.recheck(appId),
  })
  metrics.onScrape(async () => {
    metrics.outboxBacklog.set(await webhookDispatcher.backlog())
  })
  const server = await createServer({
    factors,
    webhooks,
    verifiers,
    limits,
    redis,
    trustProxy: config.trustProxy,
    redisFailure: config.redisFailure,
    logger,
    store,
    apps,
    verifications,
    tokens,
    events,
    keyRing,
    messages,
    publicUrl: publicUrlOf(config),
    clock,
    hostedSessions,
    pageKey: serverKeys.pageSigning,
    consoleKey: createHmac('sha256', serverKeys.pageSigning).update(`console:${options.adminKey}`).digest(),
    currentPublicUrl: () => publicUrl,
    metrics,
    serveMetrics: config.metrics === 'on',
    sealing: {
      seal: (plaintext) => encryptSecret(serverKeys, plaintext),
      unseal: (sealed) => decryptSecret(serverKeys, sealed),
    },
  })

  const pruneJob = startPruneJob({
    store,
    clock,
    logger,
    retentionDays: config.retentionDays,
    intervalMs: PRUNE_INTERVAL_MS,
  })

  if (options.dispatchWebhooks !== false) webhookDispatcher.start()
  const fallbackSweep = startFallbackSweep(() => verifications.runDueFallbacks(), logger)

  return {
    server,
    store,
    pruneJob,
    webhookDispatcher,
    runDueFallbacks: fallbackSweep.run,
    apps,
    keyRing,
    delivery,
    metrics,
    setListeningPort(port) {
      publicUrl = publicUrlOf(config, port)
    },
    async close() {
      stopKeyRefresh()
      await fallbackSweep.stop()
      pruneJob.stop()
      await webhookDispatcher.stop()
      await server.close()
      await delivery.close()
      await store.close()
      redis?.disconnect()
    },
  }
}
