import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidTokenError, Tessera, TesseraAdmin, verifyToken } from '../src/index.js'
import { newPhone, type RunningTessera, startTessera } from './helpers/tessera-server.js'

// Offline checks of real tokens from a real Tessera, and of forged ones: wrong scene, audience, issuer,
// algorithm or key are refused; the JWKS is cached and refetched for a key it does not know.

let server: RunningTessera
let tessera: Tessera

beforeAll(async () => {
  server = await startTessera()
  tessera = new Tessera({ baseUrl: server.url, apiKey: server.apiKey, appId: server.appId })
})
afterAll(async () => {
  await server?.stop()
})

async function tokenFor(scene: string, userId?: string): Promise<string> {
  const to = newPhone()
  const started = await tessera.verifications.start({
    channel: 'sms',
    to,
    scene,
    ...(userId ? { user_id: userId } : {}),
  })
  const checked = await tessera.verifications.check({
    verification_id: started.verification_id,
    verification_code: await server.codeSentTo(to),
  })
  return String(checked.verification_token)
}

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: unknown) => (error instanceof InvalidTokenError ? error.reason : `unexpected: ${String(error)}`),
  )

describe('verifyToken', () => {
  it('answers the typed claims of a real token, standalone and from the client', async () => {
    const token = await tokenFor('signup', 'u_claims')
    const claims = await verifyToken(token, {
      jwksUrl: `${server.url}/.well-known/jwks.json`,
      issuer: server.url,
      audience: server.appId,
      scene: 'signup',
    })
    expect(claims).toMatchObject({
      iss: server.url,
      aud: server.appId,
      sub: 'u_claims',
      scene: 'signup',
      channel: 'sms',
    })
    expect(claims.vid).toMatch(/^ver_/)
    expect(claims.exp).toBeGreaterThan(claims.iat)
    expect((await tessera.verifyToken(token, { scene: ['login', 'signup'] })).jti).toBe(claims.jti)
  })

  it('refuses a wrong scene (403), audience, issuer or user (401), in InvalidTokenError', async () => {
    const token = await tokenFor('login', 'u_1')
    const base = { jwksUrl: `${server.url}/.well-known/jwks.json`, issuer: server.url, audience: server.appId }
    const wrongScene = await verifyToken(token, { ...base, scene: 'step-up' }).catch((error: unknown) => error)
    expect(wrongScene).toBeInstanceOf(InvalidTokenError)
    expect(wrongScene).toMatchObject({ reason: 'scene_mismatch', status: 403, error: 'invalid_token' })
    expect(await reasonOf(verifyToken(token, { ...base, audience: 'app_other' }))).toBe('audience')
    expect(await reasonOf(verifyToken(token, { ...base, issuer: 'https://evil.example' }))).toBe('issuer')
    expect(await reasonOf(verifyToken(token, { ...base, userId: 'u_2' }))).toBe('subject')
    expect(await reasonOf(tessera.verifyToken(token, { scene: 'login', audience: 'app_other' }))).toBe('audience')
    expect(await reasonOf(verifyToken(`${token.slice(0, -4)}AAAA`, base))).toBe('signature')
    expect(await reasonOf(verifyToken('not.a.jwt', base))).toBe('malformed')
    expect(await reasonOf(verifyToken('', base))).toBe('malformed')
  })

  it('refuses tokens forged with another algorithm or another key under Tessera’s kid', async () => {
    const token = await tokenFor('login')
    const { kid } = decodeProtectedHeader(token)
    const claims = await tessera.verifyToken(token, { scene: 'login' })
    const base = { jwksUrl: `${server.url}/.well-known/jwks.json`, issuer: server.url, audience: server.appId }
    // HS256 keyed with the public key's bytes (the classic confusion), and "none".
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { x: string }[] }
    const hmac = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', kid: String(kid) })
      .sign(new TextEncoder().encode(String(jwks.keys[0]?.x)))
    expect(await reasonOf(verifyToken(hmac, base))).toBe('algorithm')
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url')}.${Buffer.from(
      JSON.stringify(claims),
    ).toString('base64url')}.`
    expect(await reasonOf(verifyToken(unsigned, base))).not.toBe('accepted')
    // Our own Ed25519 key, claiming Tessera's kid.
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
    const forged = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid: String(kid) })
      .sign(privateKey)
    expect(await reasonOf(verifyToken(forged, base))).toBe('signature')
    const unknownKid = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'kid-nobody' })
      .sign(privateKey)
    expect(await reasonOf(verifyToken(unknownKid, base))).toBe('unknown_key')
  })

  it('tolerates a small clock difference, and refuses an expired token', async () => {
    const token = await tokenFor('login')
    const { exp } = await tessera.verifyToken(token, { scene: 'login' })
    const at = (seconds: number) => new Date(seconds * 1000)
    await expect(tessera.verifyToken(token, { scene: 'login', currentDate: at(exp + 3) })).resolves.toBeTruthy()
    expect(await reasonOf(tessera.verifyToken(token, { scene: 'login', currentDate: at(exp + 6) }))).toBe('expired')
    expect(
      await reasonOf(
        tessera.verifyToken(token, { scene: 'login', currentDate: at(exp + 6), clockToleranceSeconds: 10 }),
      ),
    ).toBe('accepted')
  })

  it('caches the JWKS, and refetches it for a token signed by a key it has not seen (after a rotation)', async () => {
    let fetches = 0
    const countingFetch: typeof fetch = (input, init) => {
      fetches++
      return fetch(input, init)
    }
    const options = {
      jwksUrl: `${server.url}/.well-known/jwks.json`,
      issuer: server.url,
      audience: server.appId,
      scene: 'login',
      fetch: countingFetch,
    }
    await verifyToken(await tokenFor('login'), options)
    await verifyToken(await tokenFor('login'), options)
    expect(fetches).toBe(1)
    const admin = new TesseraAdmin({ baseUrl: server.url, adminKey: server.adminKey })
    const rotated = await admin.signingKeys.rotate()
    // The cooldown between refetches is one second.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const fresh = await tokenFor('login')
    expect(decodeProtectedHeader(fresh).kid).toBe(rotated.kid)
    await expect(verifyToken(fresh, options)).resolves.toMatchObject({ scene: 'login' })
    expect(fetches).toBe(2)
  })

  it('needs an audience: the client refuses to check a token for any app', async () => {
    const anonymous = new Tessera({ baseUrl: server.url, apiKey: server.apiKey })
    await expect(anonymous.verifyToken(await tokenFor('login'), { scene: 'login' })).rejects.toBeInstanceOf(TypeError)
  })
})
