import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { summarizeActivity } from '../core/activity-stats.js'
import type { AppService } from '../core/app-service.js'
import type { Clock } from '../core/clock.js'
import { createConsoleSessionService } from '../core/console-session-service.js'
import type { EventLog } from '../core/event-log.js'
import type { FactorService } from '../core/factor-service.js'
import type { HostedSessionService } from '../core/hosted-session-service.js'
import type { MessageDelivery } from '../core/message-delivery.js'
import type { RateLimiter } from '../core/rate-limiter.js'
import type { SigningKeyRing } from '../core/signing-key-ring.js'
import type { TokenService } from '../core/token-service.js'
import type { VerificationService } from '../core/verification-service.js'
import type { WebhookService } from '../core/webhooks/webhook-service.js'
import { AppError } from '../errors/app-error.js'
import { LOG_SERIALIZERS } from '../logging/log-serializers.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Store } from '../storage/store.js'
import type { VerifierRegistry } from '../verifiers/verifier-registry.js'
import type { ConsoleDeps } from '../web/console/console-deps.js'
import { consolePlugin } from '../web/console/console-plugin.js'
import { type HostedDeps, hostedPlugin } from '../web/hosted/hosted-plugin.js'
import { registerErrorHandling } from './error-handler.js'
import { requireAdminKey, requireAppKey } from './plugins/auth.js'
import { registerIdempotency } from './plugins/idempotency.js'
import { adminActivityRoutes } from './routes/admin/activity.js'
import { AppSchema, adminAppRoutes } from './routes/admin/apps.js'
import { adminKeyRoutes } from './routes/admin/keys.js'
import { adminSigningKeyRoutes } from './routes/admin/signing-keys.js'
import { adminUserRoutes } from './routes/admin/users.js'
import { adminWebhookRoutes } from './routes/admin/webhooks.js'
import { factorRoutes, factorSchema } from './routes/factors.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { providerCallbackRoutes } from './routes/provider-callbacks.js'
import { sessionRoutes } from './routes/sessions.js'
import { tokenRoutes } from './routes/tokens.js'
import { VerificationSchema, verificationRoutes } from './routes/verifications.js'
import { ErrorSchema } from './schemas.js'
import { registerSecurityHeaders } from './security-headers.js'
import { createStorageOutage } from './storage-outage.js'
import { isTwilioPath, twilioCompatPlugin } from './twilio-compat/twilio-compat-plugin.js'
import { toTwilioError } from './twilio-compat/twilio-errors.js'
import { createValidatorCompiler } from './validator.js'

export interface ServerDeps {
  readonly logger: Logger
  readonly store: Store
  readonly apps: AppService
  readonly verifications: VerificationService
  readonly tokens: TokenService
  readonly events: EventLog
  readonly factors: FactorService
  /** Apps' webhook endpoints and the events' attempts (docs/events.md). */
  readonly webhooks: WebhookService
  /** The registered verification types: the factor routes and their OpenAPI schemas are composed from them. */
  readonly verifiers: VerifierRegistry
  readonly keyRing: SigningKeyRing
  readonly publicUrl: string
  readonly messages: MessageDelivery
  readonly limits: RateLimiter
  /** Present when limits live in Redis: readiness checks it. */
  readonly redis?: Redis | undefined
  readonly redisFailure?: 'reject' | 'local'
  /** Fastify's trustProxy: false, true, or a comma list of proxy addresses/CIDRs. */
  readonly trustProxy?: boolean | string
  readonly clock: Clock
  readonly hostedSessions: HostedSessionService
  /** HMAC key of the hosted pages (CSRF tokens). */
  readonly pageKey: Buffer
  /** HMAC key of console sessions: derived from the admin key too, so a new admin key signs everyone out. */
  readonly consoleKey: Buffer
  /**
   * The public URL as it stands now (PORT=0 learns its port after start): status callbacks are
   * signed over it, and hosted sessions' URLs and magic links name it.
   */
  readonly currentPublicUrl: () => string
  /** Requests are counted and timed here, by route template. */
  readonly metrics: Metrics
  /** Whether `GET /metrics` is served on this port (`TESSERA_METRICS=on`). */
  readonly serveMetrics: boolean
  /** AES-GCM with the server key, for what must rest sealed (answers kept for Idempotency-Key replays). */
  readonly sealing: { seal(plaintext: string): string; unseal(sealed: string): string }
}

/** 16 KiB: every request of the contract fits in far less. */
const BODY_LIMIT_BYTES = 16 * 1024

/**
 * The HTTP surface. Registration order follows Fastify's advice: ecosystem
 * plugins, then our hooks and error handling, then routes. Only main/serve
 * calls listen().
 */
export async function createServer(deps: ServerDeps): Promise<FastifyInstance> {
  const server = Fastify({
    // Requests are logged by route template, never by URL (a magic link's secret, a hosted session id, a
    // phone number would be in it), and errors without their input. createLogger's logger has these
    // serializers already; the child gives them to any other logger handed in (tests, embedding).
    loggerInstance: deps.logger.child({}, { serializers: LOG_SERIALIZERS }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // X-Forwarded-For is honoured only from configured proxies (TESSERA_TRUST_PROXY); by default never.
    trustProxy: deps.trustProxy ?? false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A user id may be 128 characters, up to 12 each when percent-encoded (4-byte UTF-8); Fastify's default is 100.
    routerOptions: { maxParamLength: 1536 },
    // What Fastify refuses before routing (a malformed percent-encoding, an over-long path parameter) is answered
    // in the contract's shape too; Fastify's own body would bypass the error handler.
    frameworkErrors: (error, request, reply) => {
      const appError = new AppError('invalid_request', {
        message: error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long.' : 'The URL is not valid.',
      })
      // Under /v2 (the Twilio-compatible face) in Twilio's shape, like every other answer there.
      const twilio = isTwilioPath(request.url) ? toTwilioError(appError) : undefined
      void (reply as unknown as FastifyReply)
        .status(twilio?.status ?? appError.status)
        .send(twilio ?? appError.toBody())
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // JSON only. An empty body counts as {} so bodiless POSTs (cancel, resend) work with or without a content type;
  // Fastify's parser still refuses __proto__ and constructor.prototype keys.
  server.removeAllContentTypeParsers()
  const parseJson = server.getDefaultJsonParser('error', 'error')
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') return done(null, undefined)
    parseJson(request, text, done)
  })

  // One synchronous hook (a promise per hook per request showed in profiles) for two rules, in this order.
  server.addHook('preValidation', (request, _reply, done) => {
    // A POST without a body is an empty object: optional-field bodies (resend, keys) need none.
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {}
    // No id, name, identifier or code of the contract holds a NUL, and PostgreSQL text cannot store one (it would
    // answer a 500): refuse it up front, the same on every engine.
    if (holdsNul(request.params) || holdsNul(request.query) || holdsNul(request.body)) {
      done(new AppError('invalid_request', { message: 'The request holds a NUL character.' }))
      return
    }
    done()
  })

  // Every answered request, by route template (never the URL: ids, identifiers and secrets live in URLs); what
  // matched no route is one series, `unmatched`, whatever was asked.
  const { httpRequests, httpRequestDuration } = deps.metrics
  server.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    httpRequests.inc({ route, method: request.method, status: reply.statusCode })
    httpRequestDuration.observe({ route }, reply.elapsedTime / 1000)
    done()
  })

  server.setValidatorCompiler(createValidatorCompiler())
  server.addSchema(ErrorSchema)
  server.addSchema(VerificationSchema)
  server.addSchema(AppSchema)
  server.addSchema(factorSchema(deps.verifiers))

  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tessera',
        version: '0.1.0',
        description:
          'Self-hosted verification service: one-time codes by SMS and email, scene-bound verification tokens.',
      },
      servers: [{ url: deps.publicUrl }],
      components: {
        securitySchemes: {
          appKey: { type: 'http', scheme: 'bearer', description: 'An app key (tsk_…).' },
          adminKey: { type: 'http', scheme: 'bearer', description: 'The operator key.' },
          twilioBasic: { type: 'http', scheme: 'basic', description: 'account_sid and an app key (Twilio face).' },
        },
      },
    },
  })
  await server.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })

  // Security headers on every response (helmet's, computed once).
  registerSecurityHeaders(server)

  // Shared by the error handler (which notes writes refused for lack of storage) and readiness (which reports them).
  const storageOutage = createStorageOutage({ store: deps.store })
  registerErrorHandling(server, { storageOutage })

  server.decorateRequest('tesseraApp', null)

  await server.register(
    healthRoutes({
      store: deps.store,
      storageOutage,
      keyRing: deps.keyRing,
      redis: deps.redis,
      redisFailure: deps.redisFailure,
    }),
  )
  if (deps.serveMetrics) await server.register(metricsRoutes(deps.metrics))
  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger())

  await server.register(providerCallbackRoutes({ messages: deps.messages, publicUrl: deps.currentPublicUrl }))

  await server.register(async (scope) => {
    scope.addHook('onRequest', requireAppKey(deps.apps, deps.limits, deps.events))
    scope.addHook('onRoute', (route) => {
      // built once, not per request: a spread here costs nothing (docs/decisions.md)
      route.schema = { ...route.schema, security: [{ appKey: [] }] }
    })
    registerIdempotency(scope, { store: deps.store, clock: deps.clock, ...deps.sealing })
    await scope.register(verificationRoutes(deps.verifications, deps.verifiers))
    await scope.register(tokenRoutes(deps.tokens))
    await scope.register(factorRoutes(deps.factors, deps.verifiers))
    await scope.register(sessionRoutes(deps.hostedSessions, deps.currentPublicUrl, deps.verifiers))
  })

  await server.register(async (scope) => {
    scope.addHook('onRequest', requireAdminKey(deps.apps))
    scope.addHook('onRoute', (route) => {
      // built once, not per request: a spread here costs nothing (docs/decisions.md)
      route.schema = { ...route.schema, security: [{ adminKey: [] }] }
    })
    await scope.register(adminAppRoutes(deps.apps))
    await scope.register(adminKeyRoutes(deps.apps))
    await scope.register(adminActivityRoutes(deps))
    await scope.register(adminSigningKeyRoutes(deps.keyRing))
    await scope.register(adminUserRoutes({ apps: deps.apps, factors: deps.factors }))
    await scope.register(adminWebhookRoutes({ apps: deps.apps, webhooks: deps.webhooks }))
  })

  await server.register(twilioCompatPlugin(deps), { prefix: '/v2' })
  await server.register(hostedPlugin(hostedDeps(deps)), { prefix: '/hosted' })
  await server.register(consolePlugin(consoleDeps(deps)), { prefix: '/console' })

  return server
}

/** The console's services, cut from the server's: web sees neither the store nor the HTTP layer. */
function consoleDeps(deps: ServerDeps): ConsoleDeps {
  return {
    apps: deps.apps,
    verifications: deps.verifications,
    factors: deps.factors,
    events: deps.events,
    webhooks: deps.webhooks,
    keyRing: deps.keyRing,
    sessions: createConsoleSessionService({
      store: deps.store,
      clock: deps.clock,
      key: deps.consoleKey,
      events: deps.events,
    }),
    limits: deps.limits,
    activity: (appId, window) => summarizeActivity(deps, appId, window),
    clock: deps.clock,
    consoleKey: deps.consoleKey,
    currentPublicUrl: deps.currentPublicUrl,
  }
}

/** The hosted pages' services. */
function hostedDeps(deps: ServerDeps): HostedDeps {
  return {
    sessions: deps.hostedSessions,
    pageKey: deps.pageKey,
    clock: deps.clock,
    publicUrl: deps.currentPublicUrl,
    verifiers: deps.verifiers,
  }
}

/** Whether any string (value or key) in a parsed request part contains U+0000; iterative, for deeply nested JSON. */
function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next === 'string') {
      if (next.includes('\u0000')) return true
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, item] of Object.entries(next)) {
        if (key.includes('\u0000')) return true
        pending.push(item)
      }
    }
  }
  return false
}
