import type { LightMyRequestResponse } from 'fastify'
import { it as base, describe, expect } from '../../test/helpers/fixtures.js'

/** `raw`: a start request whose body and content type go out exactly as given. */
const it = base.extend<{
  raw: (payload: string | Buffer, headers?: Record<string, string>) => Promise<LightMyRequestResponse>
}>({
  raw: async ({ t, api }, use) => {
    await use((payload, headers = { 'content-type': 'application/json' }) =>
      t.tessera.server.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { authorization: `Bearer ${api.key}`, ...headers },
        payload,
      }),
    )
  },
})

function expectContractError(
  res: { statusCode: number; json: () => Record<string, unknown> },
  status: number,
  code: string,
) {
  expect(res.statusCode).toBe(status)
  const body = res.json()
  expect(body.error).toBe(code)
  expect(typeof body.error_code).toBe('number')
  expect(typeof body.error_description).toBe('string')
}

describe('error shape on every failure', () => {
  it('malformed JSON answers 400 invalid_request', async ({ raw }) => {
    expectContractError(await raw('{"channel": "email", '), 400, 'invalid_request')
  })

  it('a wrong content type answers 415', async ({ raw }) => {
    expectContractError(
      await raw('channel=email&to=a@example.com', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    )
    expectContractError(
      await raw('{"channel":"email"}', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    )
  })

  it('a body over 16 KiB answers 413', async ({ t, raw }) => {
    const big = JSON.stringify({ channel: 'email', to: 'a@example.com', metadata: { pad: 'x'.repeat(17 * 1024) } })
    expectContractError(await raw(big), 413, 'payload_too_large')
    expect(t.capture.messages).toHaveLength(0)
  })

  it('a JSON body that is not an object answers 400', async ({ raw }) => {
    for (const payload of ['[]', '"text"', '42', 'null'])
      expectContractError(await raw(payload), 400, 'invalid_request')
  })

  it('prototype-pollution keys are refused', async ({ raw }) => {
    expectContractError(
      await raw('{"channel":"email","to":"a@example.com","__proto__":{"x":1}}'),
      400,
      'invalid_request',
    )
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it('unknown routes and methods answer 404 in the contract shape', async ({ t, api }) => {
    const res = await t.request('GET', '/v1/nothing-here', { key: api.key })
    expectContractError(res, 404, 'not_found')
    expectContractError(await t.request('DELETE', '/v1/verifications', { key: api.key }), 404, 'not_found')
  })

  it('the health endpoints answer without a key', async ({ t }) => {
    expect((await t.request('GET', '/healthz')).json()).toEqual({ status: 'ok' })
    expect((await t.request('GET', '/readyz')).json()).toEqual({ status: 'ready', checks: { database: 'ok' } })
  })

  it('readyz answers 503 in the contract shape when the database is gone', async ({ t }) => {
    await t.tessera.store.close()
    const res = await t.request('GET', '/readyz')
    expectContractError(res, 503, 'service_unavailable')
  })

  it('serves OpenAPI 3.1 generated from the route schemas, and the docs page', async ({ t }) => {
    const spec = (await t.request('GET', '/openapi.json')).json()
    expect(spec.openapi).toBe('3.1.0')
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/verifications',
        '/v1/verifications/verify',
        '/v1/verifications/{verification_id}',
        '/v1/verifications/{verification_id}/resend',
        '/v1/verifications/{verification_id}/cancel',
        '/v1/tokens/verify',
        '/admin/v1/apps',
        '/admin/v1/apps/{app_id}/keys',
        '/.well-known/jwks.json',
      ]),
    )
    const docs = await t.request('GET', '/docs/')
    expect(docs.statusCode).toBe(200)
    expect(docs.headers['content-type']).toContain('text/html')
  })
})
