import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { App } from '../../../core/app-service.js'
import type { EventLog } from '../../../core/event-log.js'
import type { VerificationView } from '../../../core/verification.js'
import type { VerificationService } from '../../../core/verification-service.js'
import type { WebhookService } from '../../../core/webhooks/webhook-service.js'
import { AppError } from '../../../errors/app-error.js'
import {
  type EventEntry,
  eventsPage,
  type VerificationFilterForm,
  verificationPage,
  verificationsPage,
} from '../pages/activity-pages.js'
import type { ConsoleContext, Message } from '../pages/layout.js'
import { appOf, page, pageOf, renderAppErrors } from '../signed-in.js'

type VerificationStatus = VerificationView['status']
const STATUSES = new Set<VerificationStatus>(['pending', 'approved', 'expired', 'canceled', 'max_attempts_reached'])

/** How many events the pages list. */
const EVENT_LIMIT = 200

type LoggedEvent = Awaited<ReturnType<EventLog['listRecent']>>[number]

function toEventEntry(event: LoggedEvent): EventEntry {
  return {
    id: event.id,
    deliverable: event.payload !== null,
    at: Number(event.createdAt),
    kind: event.kind,
    verificationId: event.verificationId,
    identifierMasked: event.identifierMasked,
    clientIp: event.clientIp,
    details: event.details,
  }
}

/** A filter field as typed: trimmed, at most 64 characters, absent when empty. */
function filterField(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 64) : undefined
}

/** An app's verifications (filtered), one verification with its deliveries and events, and the event log. */
export function activityRoutes(deps: {
  verifications: Pick<VerificationService, 'search' | 'get'>
  events: Pick<EventLog, 'listRecent' | 'listByVerification'>
  webhooks: Pick<WebhookService, 'attemptsOf' | 'resend'>
}): FastifyPluginAsync {
  return async (scope) => {
    renderAppErrors(scope, (reply, error, ctx, app) =>
      page(reply, ctx, verificationsPage(ctx, app, {}, [], error.message), error.status),
    )

    scope.get<{ Querystring: Record<string, string | undefined> }>(
      '/verifications',
      { schema: { hide: true } },
      async (request, reply) => {
        const ctx = pageOf(request)
        const app = appOf(request)
        const query = request.query
        const filter: VerificationFilterForm = {
          status: filterField(query.status),
          channel: filterField(query.channel),
          scene: filterField(query.scene),
          from: filterField(query.from),
          to: filterField(query.to),
        }
        const time = (value: string | undefined) => (value === undefined ? undefined : Date.parse(`${value}Z`))
        const from = time(filter.from)
        const to = time(filter.to)
        const status = filter.status as VerificationStatus | undefined
        if (
          (status !== undefined && !STATUSES.has(status)) ||
          (from !== undefined && Number.isNaN(from)) ||
          (to !== undefined && Number.isNaN(to))
        ) {
          return page(reply, ctx, verificationsPage(ctx, app, filter, [], 'The filter is not valid.'), 400)
        }
        const views = await deps.verifications.search(app.id, {
          status,
          channel: filter.channel,
          scene: filter.scene,
          from,
          to,
          limit: 100,
        })
        return page(reply, ctx, verificationsPage(ctx, app, filter, views))
      },
    )

    scope.get<{ Params: { verification_id: string } }>(
      '/verifications/:verification_id',
      { schema: { hide: true } },
      async (request, reply) => {
        const ctx = pageOf(request)
        const app = appOf(request)
        const view = await deps.verifications.get(app, request.params.verification_id).catch((error: unknown) => {
          // Unknown, or not a verification id at all: the same page either way.
          throw error instanceof AppError ? new AppError('not_found', { message: 'No such verification.' }) : error
        })
        const events = await deps.events.listByVerification(app.id, view.id, EVENT_LIMIT)
        // A read of one verification carries its deliveries.
        return page(reply, ctx, verificationPage(ctx, app, view, events.map(toEventEntry), view.deliveries ?? []))
      },
    )

    async function eventsView(reply: FastifyReply, ctx: ConsoleContext, app: App, kind?: string, message?: Message) {
      const events = await deps.events.listRecent(app.id, { limit: EVENT_LIMIT, kind })
      const attempts = await deps.webhooks.attemptsOf(
        app.id,
        events.map((event) => event.id),
      )
      return page(reply, ctx, eventsPage(ctx, app, kind, events.map(toEventEntry), attempts, message))
    }

    // `type` is the field's name; `kind` (its older name) still filters.
    scope.get<{ Querystring: { type?: string; kind?: string } }>(
      '/events',
      { schema: { hide: true } },
      async (request, reply) =>
        eventsView(reply, pageOf(request), appOf(request), filterField(request.query.type ?? request.query.kind)),
    )

    scope.post<{ Params: { event_id: string } }>(
      '/events/:event_id/resend',
      { schema: { hide: true } },
      async (request, reply) => {
        const app = appOf(request)
        const queued = await deps.webhooks.resend(app.id, request.params.event_id)
        const text =
          queued === 0
            ? 'No enabled endpoint takes this event: nothing was queued.'
            : `Queued again for ${queued} endpoint${queued === 1 ? '' : 's'}.`
        return eventsView(reply, pageOf(request), app, undefined, { kind: 'ok', text })
      },
    )
  }
}
