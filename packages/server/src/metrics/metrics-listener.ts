import { createServer, type Server } from 'node:http'
import type { Metrics } from './metrics.js'

export interface MetricsListener {
  /** The port it listens on (port 0 picks one). */
  readonly port: number
  close(): Promise<void>
}

/**
 * `TESSERA_METRICS=host:port`: metrics on a listener of their own (an internal interface, a port the load
 * balancer does not forward), so the service's public port need not expose them. It answers `GET /metrics`
 * and nothing else; plain node:http, since it has one route and no request bodies.
 */
export async function listenForMetrics(
  metrics: Metrics,
  address: { host: string; port: number },
): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0]
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Not found: metrics are at GET /metrics\n')
      return
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' })
        response.end(request.method === 'HEAD' ? undefined : body)
      },
      () => {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n')
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(address.port, address.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = server.address()
  return {
    port: typeof bound === 'object' && bound ? bound.port : address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
