import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The host app's page a hosted flow redirects to: answers 200 and remembers the URLs it was opened with. */
export async function startLandingServer() {
  const visits: URL[] = []
  const server = createServer((request, response) => {
    visits.push(new URL(request.url ?? '/', 'http://127.0.0.1'))
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end('<!doctype html><html lang="en"><title>Back in the app</title><h1>Back in the app</h1></html>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    /** Registered as the app's redirect URL. */
    callbackUrl: `http://127.0.0.1:${port}/callback`,
    visits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
