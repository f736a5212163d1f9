import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { AppService } from '../../../core/app-service.js'
import type { EventLog } from '../../../core/event-log.js'
import type { VerificationService } from '../../../core/verification-service.js'
import { iso, withErrors } from '../../schemas.js'
import { presentVerification } from '../verifications.js'

const Params = Type.Object({ app_id: Type.String({ minLength: 1, maxLength: 64 }) })
const Page = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  before: Type.Optional(Type.String({ format: 'date-time', description: 'Only entries created before this time.' })),
}

const EventSchema = Type.Object({
  event_id: Type.String(),
  kind: Type.String(),
  verification_id: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()], { description: 'Masked identifier.' }),
  client_ip: Type.Union([Type.String(), Type.Null()]),
  details: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
})

/** What operators see of an app's traffic: recent verifications (masked) and security events. */
export function adminActivityRoutes(deps: {
  apps: AppService
  verifications: VerificationService
  events: EventLog
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
            { ...Page, kind: Type.Optional(Type.String({ maxLength: 64 })) },
            { additionalProperties: false },
          ),
          response: withErrors({ 200: Type.Object({ events: Type.Array(EventSchema) }) }, 404),
        },
      },
      async (request) => {
        await deps.apps.getApp(request.params.app_id)
        const rows = await deps.events.listRecent(request.params.app_id, {
          limit: request.query.limit,
          before: beforeMs(request.query.before),
          kind: request.query.kind,
        })
        return {
          events: rows.map((row) => ({
            event_id: row.id,
            kind: row.kind,
            verification_id: row.verificationId,
            to: row.identifierMasked,
            client_ip: row.clientIp,
            details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
            created_at: iso(Number(row.createdAt)),
          })),
        }
      },
    )
  }
}
