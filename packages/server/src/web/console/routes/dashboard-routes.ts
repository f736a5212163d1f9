import type { FastifyPluginAsync } from 'fastify'
import type { Clock } from '../../../core/clock.js'
import type { ConsoleDeps } from '../console-deps.js'
import { dashboardPage } from '../pages/apps-pages.js'
import { appOf, page, pageOf } from '../signed-in.js'

const RANGES: Record<string, { spanMs: number; bucketMs: number }> = {
  '24h': { spanMs: 86_400_000, bucketMs: 3_600_000 },
  '7d': { spanMs: 7 * 86_400_000, bucketMs: 86_400_000 },
  '30d': { spanMs: 30 * 86_400_000, bucketMs: 86_400_000 },
}

/** An app's dashboard (/console/apps/:app_id): its activity over the last day, week or month. */
export function dashboardRoutes(deps: { activity: ConsoleDeps['activity']; clock: Clock }): FastifyPluginAsync {
  return async (scope) => {
    scope.get<{ Querystring: { range?: string } }>(
      '/',
      { schema: { hide: true }, prefixTrailingSlash: 'no-slash' },
      async (request, reply) => {
        const ctx = pageOf(request)
        const app = appOf(request)
        const range =
          typeof request.query.range === 'string' && RANGES[request.query.range] ? request.query.range : '24h'
        const window = RANGES[range] ?? { spanMs: 86_400_000, bucketMs: 3_600_000 }
        const now = deps.clock.nowMs()
        // Buckets end on a bucket boundary after now, so the last bar is the current hour or day.
        const toMs = Math.ceil((now + 1) / window.bucketMs) * window.bucketMs
        const summary = await deps.activity(app.id, { fromMs: toMs - window.spanMs, toMs, bucketMs: window.bucketMs })
        return page(reply, ctx, dashboardPage(ctx, app, summary, range))
      },
    )
  }
}
