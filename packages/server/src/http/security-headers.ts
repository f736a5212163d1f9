import type { FastifyInstance } from 'fastify'

/**
 * The security headers of every answer, computed once. They are what
 * @fastify/helmet 13 (helmet 8) sends with its defaults and our CSP; helmet
 * rebuilt them on every request (3–4% of the server's CPU under load, see
 * docs/benchmarks.md). The API serves JSON only; the CSP is relaxed just
 * enough for /docs, whose own routes may still set a stricter one.
 */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  [
    'content-security-policy',
    [
      "default-src 'self'",
      "base-uri 'self'",
      "font-src 'self' https: data:",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "img-src 'self' data:",
      "object-src 'none'",
      "script-src 'self'",
      "script-src-attr 'none'",
      "style-src 'self' 'unsafe-inline'",
      'upgrade-insecure-requests',
    ].join(';'),
  ],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
]

/**
 * Sets the headers first thing, as helmet did, so error answers (401, 404, 429…) carry them too. On Fastify's
 * reply, not on the raw response: Fastify hands its headers to one writeHead, where each raw setHeader
 * validated and stored its header on its own (3% of a start's CPU for these twelve).
 */
export function registerSecurityHeaders(server: FastifyInstance): void {
  server.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of SECURITY_HEADERS) reply.header(name, value)
    done()
  })
}
