import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Metrics } from '../../metrics/metrics.js'

/** `GET /metrics` on the service's own port (`TESSERA_METRICS=on`, the default): Prometheus's text format. */
export function metricsRoutes(metrics: Metrics): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.get(
      '/metrics',
      {
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics (text exposition format); docs/metrics.md lists them',
          produces: ['text/plain'],
        },
      },
      async (_request, reply) => {
        const { contentType, body } = await metrics.scrape()
        return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body)
      },
    )
  }
}
