import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'

let t: TestApp
let key: string
let appId: string

beforeEach(async () => {
  t = await createTestApp()
  ;({ key, appId } = await t.createApp({ token_ttl_seconds: 300 }))
})
afterEach(async () => {
  await t.close()
})

async function approve(
  body: Record<string, unknown> = { channel: 'sms', to: '+14155552671', scene: 'login', user_id: 'u_42' },
) {
  const started = (await t.request('POST', '/v1/verifications', { key, body })).json()
  const res = await t.request('POST', '/v1/verifications/verify', {
    key,
    body: { verification_id: started.verification_id, verification_code: t.capture.lastCode() },
  })
  return { verificationId: started.verification_id as string, token: res.json().verification_token as string, res }
}

const introspect = (body: Record<string, unknown>, k = key) => t.request('POST', '/v1/tokens/verify', { key: k, body })

describe('POST /v1/tokens/verify', () => {
  it('answers the token’s facts: scene, channel, full identifier, user', async () => {
    const { token, verificationId, res } = await approve()
    expect(res.json().expires_in).toBe(300)
    const out = await introspect({ verification_token: token })
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

  it('is scene-bound: a token of another scene is inactive', async () => {
    const { token } = await approve()
    expect((await introspect({ verification_token: token, scene: 'password-reset' })).json()).toEqual({
      active: false,
      reason: 'scene_mismatch',
    })
    expect((await introspect({ verification_token: token, scene: 'login' })).json().active).toBe(true)
  })

  it('is single-use when consumed', async () => {
    const { token } = await approve()
    expect((await introspect({ verification_token: token, consume: true })).json().active).toBe(true)
    expect((await introspect({ verification_token: token, consume: true })).json()).toEqual({
      active: false,
      reason: 'consumed',
    })
    expect((await introspect({ verification_token: token })).json()).toEqual({ active: false, reason: 'consumed' })
  })

  it('consumes exactly once under 40 parallel requests', async () => {
    const { token } = await approve()
    const results = await Promise.all(
      Array.from({ length: 40 }, () => introspect({ verification_token: token, consume: true })),
    )
    expect(results.filter((r) => r.json().active === true)).toHaveLength(1)
    expect(results.every((r) => r.statusCode === 200)).toBe(true)
  })

  it('expires with its lifetime', async () => {
    const { token } = await approve()
    t.clock.advanceSeconds(299)
    expect((await introspect({ verification_token: token })).json().active).toBe(true)
    t.clock.advanceSeconds(1)
    expect((await introspect({ verification_token: token })).json()).toEqual({ active: false, reason: 'expired' })
  })

  it('never answers for another app’s token', async () => {
    const { token } = await approve()
    const other = await t.createApp()
    expect((await introspect({ verification_token: token, consume: true }, other.key)).json()).toEqual({
      active: false,
      reason: 'invalid',
    })
    // And the owner can still consume it.
    expect((await introspect({ verification_token: token, consume: true })).json().active).toBe(true)
  })

  it('refuses forged and altered tokens', async () => {
    const { token } = await approve()
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
      const res = await introspect({ verification_token: candidate })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ active: false, reason: 'invalid' })
    }
    const events = await t.tessera.store.events.listRecent(appId, { limit: 50, kind: 'token.refused' })
    expect(events.length).toBeGreaterThanOrEqual(6)
  })

  it('answers 4000 for a missing or mistyped field', async () => {
    for (const body of [
      {},
      { verification_token: 5 },
      { verification_token: 'x', consume: 'yes please' },
      { verification_token: 'x', scene: 'Bad!' },
    ]) {
      const res = await introspect(body)
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toBe('invalid_request')
    }
  })
})

describe('GET /.well-known/jwks.json', () => {
  it('publishes the Ed25519 key whose kid signs tokens', async () => {
    const { token } = await approve()
    const jwks = (await t.request('GET', '/.well-known/jwks.json')).json()
    const kid = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid })
    expect(jwks.keys[0]).not.toHaveProperty('d')
  })
})
