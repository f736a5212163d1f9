import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'

it.scoped({ settings: { token_ttl_seconds: 300 } })

async function approve(
  api: TestApi,
  body: Record<string, unknown> = { channel: 'sms', to: '+14155552671', scene: 'login', user_id: 'u_42' },
) {
  const { id, code } = await api.startOk(body)
  const res = await api.verify(id, code)
  return { verificationId: id, token: res.json().verification_token as string, res }
}

describe('POST /v1/tokens/verify', () => {
  it('answers the token’s facts: scene, channel, full identifier, user', async ({ api }) => {
    const { token, verificationId, res } = await approve(api)
    expect(res.json().expires_in).toBe(300)
    const out = await api.introspect(token)
    expect(out.statusCode).toBe(200)
    expect(out.json()).toEqual({
      active: true,
      verification_id: verificationId,
      scene: 'login',
      channel: 'sms',
      to: '+14155552671',
      user_id: 'u_42',
      factor_id: null,
      amr: ['sms'],
      issued_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-01-01T00:05:00.000Z',
    })
  })

  it('is scene-bound: a token of another scene is inactive', async ({ api }) => {
    const { token } = await approve(api)
    expect((await api.introspect(token, { scene: 'password-reset' })).json()).toEqual({
      active: false,
      reason: 'scene_mismatch',
    })
    expect((await api.introspect(token, { scene: 'login' })).json().active).toBe(true)
  })

  it('is single-use when consumed', async ({ api }) => {
    const { token } = await approve(api)
    expect((await api.introspect(token, { consume: true })).json().active).toBe(true)
    expect((await api.introspect(token, { consume: true })).json()).toEqual({
      active: false,
      reason: 'consumed',
    })
    expect((await api.introspect(token)).json()).toEqual({ active: false, reason: 'consumed' })
  })

  it('consumes exactly once under 40 parallel requests', async ({ api }) => {
    const { token } = await approve(api)
    const results = await Promise.all(Array.from({ length: 40 }, () => api.introspect(token, { consume: true })))
    expect(results.filter((r) => r.json().active === true)).toHaveLength(1)
    expect(results.every((r) => r.statusCode === 200)).toBe(true)
  })

  it('expires with its lifetime', async ({ t, api }) => {
    const { token } = await approve(api)
    t.clock.advanceSeconds(299)
    expect((await api.introspect(token)).json().active).toBe(true)
    t.clock.advanceSeconds(1)
    expect((await api.introspect(token)).json()).toEqual({ active: false, reason: 'expired' })
  })

  it('never answers for another app’s token', async ({ api, appWith }) => {
    const { token } = await approve(api)
    const { api: other } = await appWith()
    expect((await other.introspect(token, { consume: true })).json()).toEqual({
      active: false,
      reason: 'invalid',
    })
    // And the owner can still consume it.
    expect((await api.introspect(token, { consume: true })).json().active).toBe(true)
  })

  it('refuses forged and altered tokens', async ({ t, app, api }) => {
    const { token } = await approve(api)
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, scene: 'step-up' })).toString('base64url')
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`
    const hs = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: claims.kid })).toString('base64url')}.${payload}.${signature}`
    for (const candidate of [
      `${header}.${forgedPayload}.${signature}`,
      none,
      hs,
      `${token}x`,
      'not-a-token',
      'a.b.c',
    ]) {
      const res = await api.introspect(candidate)
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ active: false, reason: 'invalid' })
    }
    const events = await t.tessera.store.events.listRecent(app.appId, { limit: 50, kind: 'token.refused' })
    expect(events.length).toBeGreaterThanOrEqual(6)
  })

  it('answers 4000 for a missing or mistyped field', async ({ t, api }) => {
    for (const body of [
      {},
      { verification_token: 5 },
      { verification_token: 'x', consume: 'yes please' },
      { verification_token: 'x', scene: 'Bad!' },
    ]) {
      // Malformed bodies go out as they are: the helper's introspect only builds well-formed ones.
      const res = await t.request('POST', '/v1/tokens/verify', { key: api.key, body })
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toBe('invalid_request')
    }
  })
})

describe('GET /.well-known/jwks.json', () => {
  it('publishes the Ed25519 key whose kid signs tokens', async ({ t, api }) => {
    const { token } = await approve(api)
    const jwks = (await t.request('GET', '/.well-known/jwks.json')).json()
    const kid = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid })
    expect(jwks.keys[0]).not.toHaveProperty('d')
  })
})
