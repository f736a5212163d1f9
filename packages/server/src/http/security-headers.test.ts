import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import pino from 'pino'
import { afterEach } from 'vitest'
import { TEST_ADMIN_KEY, TEST_SECRET } from '../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../test/helpers/fixtures.js'
import { createTessera, type Tessera } from '../app.js'
import { loadConfig } from '../config/load-config.js'

function expectSecurityHeaders(res: LightMyRequestResponse): void {
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  const csp = String(res.headers['content-security-policy'])
  expect(csp).toContain("frame-ancestors 'none'")
  expect(csp).toContain("default-src 'self'")
  expect(csp).not.toContain("'unsafe-eval'")
  expect(String(res.headers['strict-transport-security'])).toMatch(/max-age=\d{6,}/)
  expect(res.headers['x-frame-options']).toBeDefined()
  expect(String(res.headers['x-frame-options']).toUpperCase()).toMatch(/^(DENY|SAMEORIGIN)$/)
  expect(res.headers['x-powered-by']).toBeUndefined()
  expect(res.headers['referrer-policy']).toBe('no-referrer')
}

function expectNoCors(res: LightMyRequestResponse): void {
  for (const header of Object.keys(res.headers)) expect(header).not.toMatch(/^access-control-/)
}

describe('security headers and CORS', () => {
  const ORIGIN = { origin: 'https://evil.example' }

  it('are on success answers of every kind of route', async ({ t, app: { key, appId } }) => {
    const responses = [
      await t.request('POST', '/v1/verifications', {
        key,
        body: { channel: 'email', to: 'ada@example.com' },
        headers: ORIGIN,
      }),
      await t.request('GET', '/v1/users/u_1/factors', { key, headers: ORIGIN }),
      await t.request('GET', `/admin/v1/apps/${appId}`, { key: TEST_ADMIN_KEY, headers: ORIGIN }),
      await t.request('GET', '/healthz', { headers: ORIGIN }),
      await t.request('GET', '/.well-known/jwks.json', { headers: ORIGIN }),
      await t.request('GET', '/openapi.json', { headers: ORIGIN }),
    ]
    for (const res of responses) {
      expect(res.statusCode, res.body.slice(0, 200)).toBeLessThan(300)
      expectSecurityHeaders(res)
      expectNoCors(res)
    }
  })

  it('are on error answers too: 400, 401, 403, 404 and 429', async ({ t, app: { key } }) => {
    const tight = await t.createApp({ limits: { requests_per_key: { max: 1, window_seconds: 60 } } })
    await t.request('GET', '/v1/users/u_1/factors', { key: tight.key })
    const responses = [
      await t.request('POST', '/v1/verifications', { key, body: { channel: 'fax' }, headers: ORIGIN }),
      await t.request('GET', '/v1/users/u_1/factors', { headers: ORIGIN }),
      await t.request('GET', '/v1/users/u_1/factors', { key: TEST_ADMIN_KEY, headers: ORIGIN }),
      await t.request('GET', '/v1/verifications/ver_unknown', { key, headers: ORIGIN }),
      await t.request('GET', '/no/such/route', { headers: ORIGIN }),
      await t.request('DELETE', '/healthz', { headers: ORIGIN }),
      await t.request('GET', '/v1/users/u_1/factors', { key: tight.key, headers: ORIGIN }),
    ]
    expect(responses.map((r) => r.statusCode)).toEqual([400, 401, 403, 404, 404, 404, 429])
    for (const res of responses) {
      expectSecurityHeaders(res)
      expectNoCors(res)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
    }
  })

  it('answers a CORS preflight without any Access-Control header', async ({ t }) => {
    const res = await t.tessera.server.inject({
      method: 'OPTIONS',
      url: '/v1/verifications',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    })
    expect(res.statusCode).toBeGreaterThanOrEqual(400)
    expect(res.statusCode).toBeLessThan(500)
    expectNoCors(res)
    expectSecurityHeaders(res)
  })
})

describe('trustProxy', () => {
  const open: Tessera[] = []
  afterEach(async () => {
    for (const tessera of open.splice(0)) await tessera.close()
  })

  /** A Tessera with the given TESSERA_TRUST_PROXY, plus a route that echoes request.ip (added before it is ready). */
  async function tesseraWith(trustProxy?: string): Promise<Tessera> {
    const tessera = await createTessera({
      config: loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: ':memory:',
        TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-proxy-')),
        TESSERA_PUBLIC_URL: 'http://tessera.test',
        ...(trustProxy === undefined ? {} : { TESSERA_TRUST_PROXY: trustProxy }),
      }),
      secret: TEST_SECRET,
      adminKey: TEST_ADMIN_KEY,
      logger: pino({ level: 'silent' }),
    })
    open.push(tessera)
    tessera.server.get('/test/ip', async (request) => ({ ip: request.ip, ips: request.ips ?? null }))
    return tessera
  }

  async function ipSeen(tessera: Tessera, remoteAddress: string, forwardedFor?: string): Promise<string> {
    const res = await tessera.server.inject({
      method: 'GET',
      url: '/test/ip',
      remoteAddress,
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    })
    expect(res.statusCode).toBe(200)
    return res.json().ip
  }

  it('is off by default: X-Forwarded-For never changes the client address', async () => {
    const tessera = await tesseraWith()
    expect(await ipSeen(tessera, '127.0.0.1', '203.0.113.9')).toBe('127.0.0.1')
    expect(await ipSeen(tessera, '198.51.100.1', '203.0.113.9, 10.0.0.1')).toBe('198.51.100.1')
  })

  it('honours X-Forwarded-For only from the configured proxy addresses', async () => {
    const tessera = await tesseraWith('127.0.0.1')
    expect(await ipSeen(tessera, '127.0.0.1', '203.0.113.9')).toBe('203.0.113.9')
    expect(await ipSeen(tessera, '198.51.100.1', '203.0.113.9')).toBe('198.51.100.1')
    // Only the hop the trusted proxy added counts: a client's own forged entry before it does not.
    expect(await ipSeen(tessera, '127.0.0.1', '6.6.6.6, 203.0.113.9')).toBe('203.0.113.9')
  })

  it('accepts a comma list of addresses and CIDR ranges', async () => {
    const tessera = await tesseraWith('10.0.0.0/8,127.0.0.1')
    expect(await ipSeen(tessera, '10.1.2.3', '203.0.113.9')).toBe('203.0.113.9')
    expect(await ipSeen(tessera, '127.0.0.1', '203.0.113.9')).toBe('203.0.113.9')
    expect(await ipSeen(tessera, '11.1.2.3', '203.0.113.9')).toBe('11.1.2.3')
  })

  it('trusts every hop only when set to true', async () => {
    const tessera = await tesseraWith('true')
    expect(await ipSeen(tessera, '198.51.100.1', '203.0.113.9')).toBe('203.0.113.9')
  })
})
