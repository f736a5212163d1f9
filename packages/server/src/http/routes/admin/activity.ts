import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { AppService } from '../../../core/app-service.js'
import type { EventLog } from '../../../core/event-log.js'
import type { VerificationService } from '../../../core/verification-service.js'
import type { WebhookAttemptView, WebhookService } from '../../../core/webhooks/webhook-service.js'
import { assertThat } from '../../../errors/app-error.js'
import type { EventRow } from '../../../storage/database.js'
import type { Store } from '../../../storage/store.js'
import { iso, withErrors } from '../../schemas.js'
import { presentVerification } from '../verifications.js'

const Params = Type.Object({ app_id: Type.String({ minLength: 1, maxLength: 64 }) })
const Page = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  before: Type.Optional(Type.String({ format: 'date-time', description: 'Only entries created before this time.' })),
}

const AttemptSchema = Type.Object({
  attempt_id: Type.String(),
  webhook_id: Type.String({ description: 'The endpoint tried.' }),
  attempted_at: Type.String({ format: 'date-time' }),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'The endpoint’s HTTP status; null: no answer.' }),
  latency_ms: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()], { description: '`timeout`, a connection error, or `status 500`.' }),
  succeeded: Type.Boolean(),
})

const EventSchema = Type.Object({
  event_id: Type.String({ description: 'Also the webhook-id of its deliveries (stable across retries).' }),
  type: Type.String({ description: 'The event type (docs/events.md).' }),
  kind: Type.String({ description: 'The same as type (its older name).' }),
  verification_id: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()], { description: 'Masked identifier.' }),
  client_ip: Type.Union([Type.String(), Type.Null()]),
  details: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  payload: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
    description: 'The webhook body: { type, timestamp, data }.',
  }),
  attempts: Type.Array(AttemptSchema, { description: 'Webhook deliveries tried, oldest first.' }),
  created_at: Type.String({ format: 'date-time' }),
})

function presentEvent(row: EventRow, attempts: readonly WebhookAttemptView[]) {
  return {
    event_id: row.id,
    type: row.kind,
    kind: row.kind,
    verification_id: row.verificationId,
    to: row.identifierMasked,
    client_ip: row.clientIp,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
    payload: row.payload === null ? null : (JSON.parse(row.payload) as Record<string, unknown>),
    attempts: attempts.map((attempt) => ({
      attempt_id: attempt.id,
      webhook_id: attempt.endpointId,
      attempted_at: iso(attempt.attemptedAt),
      status: attempt.responseStatus,
      latency_ms: attempt.latencyMs,
      error: attempt.error,
      succeeded: attempt.succeeded,
    })),
    created_at: iso(Number(row.createdAt)),
  }
}

const EventParams = Type.Composite([Params, Type.Object({ event_id: Type.String({ minLength: 1, maxLength: 64 }) })])

/** What operators see of an app's traffic: recent verifications (masked) and security events. */
export function adminActivityRoutes(deps: {
  apps: AppService
  verifications: VerificationService
  events: EventLog
  webhooks: WebhookService
  store: Store
}): FastifyPluginAsyncTypebox {
  const beforeMs = (before: string | undefined) => (before === undefined ? undefined : Date.parse(before))
  return async (server) => {
    server.get(
      '/admin/v1/apps/:app_id/verifications',
      {
        schema: {
          tags: ['admin'],
          summary: 'Recent verifications of an app, newest first (identifiers masked)',
          params: Params,
          querystring: Type.Object(Page, { additionalProperties: false }),
          response: withErrors({ 200: Type.Object({ verifications: Type.Array(Type.Ref('Verification')) }) }, 404),
        },
      },
      async (request) => {
        await deps.apps.getApp(request.params.app_id)
        const views = await deps.verifications.listRecent(request.params.app_id, {
          limit: request.query.limit,
          before: beforeMs(request.query.before),
        })
        return {
          verifications: views.map(presentVerification),
        }
      },
    )

    server.get(
      '/admin/v1/apps/:app_id/events',
      {
        schema: {
          tags: ['admin'],
          summary: 'Security-relevant events of an app, newest first',
          params: Params,
          querystring: Type.Object(
            // built once, not per request: a spread here costs nothing (docs/decisions.md)
            {
              ...Page,
              type: Type.Optional(Type.String({ maxLength: 64, description: 'Only events of this type.' })),
              kind: Type.Optional(Type.String({ maxLength: 64, description: 'The same as type (its older name).' })),
            },
            { additionalProperties: false },
          ),
          response: withErrors({ 200: Type.Object({ events: Type.Array(EventSchema) }) }, 404),
        },
      },
      async (request) => {
        const appId = request.params.app_id
        await deps.apps.getApp(appId)
        const rows = await deps.events.listRecent(appId, {
          limit: request.query.limit,
          before: beforeMs(request.query.before),
          kind: request.query.type ?? request.query.kind,
        })
        const attempts = await deps.webhooks.attemptsOf(
          appId,
          rows.map((row) => row.id),
        )
        return { events: rows.map((row) => presentEvent(row, attempts.get(row.id) ?? [])) }
      },
    )

    server.get(
      '/admin/v1/apps/:app_id/events/:event_id',
      {
        schema: {
          tags: ['admin'],
          summary: 'One event with its webhook attempts',
          params: EventParams,
          response: withErrors({ 200: EventSchema }, 404),
        },
      },
      async (request) => {
        const { app_id: appId, event_id: eventId } = request.params
        await deps.apps.getApp(appId)
        const row = await deps.store.events.findById(appId, eventId)
        assertThat(row, 'event_not_found')
        const attempts = await deps.webhooks.attemptsOf(appId, [row.id])
        return presentEvent(row, attempts.get(row.id) ?? [])
      },
    )

    server.post(
      '/admin/v1/apps/:app_id/events/:event_id/resend',
      {
        schema: {
          tags: ['admin'],
          summary: 'Send an event again to every enabled endpoint subscribed to its type (same webhook-id)',
          params: EventParams,
          response: withErrors(
            {
              202: Type.Object({ event_id: Type.String(), queued: Type.Integer({ description: 'Endpoints queued.' }) }),
            },
            404,
          ),
        },
      },
      async (request, reply) => {
        const { app_id: appId, event_id: eventId } = request.params
        await deps.apps.getApp(appId)
        const queued = await deps.webhooks.resend(appId, eventId)
        return reply.status(202).send({ event_id: eventId, queued })
      },
    )
  }
}
