import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CreatedApp, call, codeFromEmailText, createAppWithKey } from './helpers/api.js'
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp-receiver.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'

const secrets = secretsForTest()
let smtp: SmtpReceiver
let server: TestServer
let app: CreatedApp

beforeAll(async () => {
  smtp = await startSmtpReceiver()
  server = await startServer({
    env: { ...secrets, TESSERA_SMTP_URL: smtp.url, TESSERA_EMAIL_FROM: 'Tessera <no-reply@tessera.test>' },
  })
  app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Acme Shop', {
    channels: { email: { ttl_seconds: 900 } },
  })
})

afterAll(async () => {
  await server?.stop()
  await killAll()
  await smtp?.close()
  cleanupTempDirs()
})

describe('an email verification delivered over real SMTP', () => {
  it('mails a code naming the app and lifetime, which verifies into a scene-bound, single-use token', async () => {
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'email', to: 'Grace.Hopper@Navy.EXAMPLE.org ', scene: 'signup', user_id: 'u_1906' },
    })
    expect(started.status).toBe(201)
    expect(started.body).toMatchObject({ status: 'pending', channel: 'email', scene: 'signup', expires_in: 900 })
    expect(started.body.to).not.toContain('Hopper')

    // The local part keeps its case; the domain is lower-cased.
    const mail = await smtp.nextMessage('Grace.Hopper@navy.example.org')
    expect(mail.envelopeFrom).toBe('no-reply@tessera.test')
    expect(mail.headers['x-tessera-verification-id']).toBe(started.body.verification_id)
    expect(mail.subject).toContain('Acme Shop')
    expect(mail.text).toBeDefined()
    expect(mail.text).toContain('Acme Shop')
    expect(mail.text).toContain('15 minutes')
    expect(mail.html).toBeDefined()
    expect(mail.html).toContain('<strong>Acme Shop</strong>')
    const code = codeFromEmailText(mail.text ?? '')
    expect(code).toMatch(/^\d{6}$/)
    expect(mail.html).toContain(code)
    // The API never hands the code back.
    expect(JSON.stringify(started.body)).not.toContain(code)

    const verified = await call(server.url, 'POST', '/v1/verifications/verify', {
      key: app.key,
      body: { verification_id: started.body.verification_id, verification_code: code },
    })
    expect(verified.status).toBe(200)
    expect(verified.body).toMatchObject({ status: 'approved', scene: 'signup', expires_in: 600 })
    const token: string = verified.body.verification_token

    const introspect = (body: Record<string, unknown>) =>
      call(server.url, 'POST', '/v1/tokens/verify', { key: app.key, body: { verification_token: token, ...body } })

    const active = await introspect({})
    expect(active.status).toBe(200)
    expect(active.body).toEqual({
      active: true,
      verification_id: started.body.verification_id,
      scene: 'signup',
      channel: 'email',
      to: 'Grace.Hopper@navy.example.org',
      user_id: 'u_1906',
      factor_id: null,
      amr: ['email'],
      issued_at: expect.any(String),
      expires_at: expect.any(String),
    })
    expect(Date.parse(active.body.expires_at) - Date.parse(active.body.issued_at)).toBe(600_000)

    expect((await introspect({ scene: 'login' })).body).toEqual({ active: false, reason: 'scene_mismatch' })
    // A scene mismatch does not use the token up.
    expect((await introspect({ scene: 'signup', consume: true })).body).toMatchObject({ active: true, scene: 'signup' })
    expect((await introspect({ consume: true })).body).toEqual({ active: false, reason: 'consumed' })
    expect((await introspect({})).body).toEqual({ active: false, reason: 'consumed' })
  })

  it('issues tokens a host app can verify offline with the published JWKS', async () => {
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'email', to: 'ada@example.com', scene: 'login', user_id: 'u_42' },
    })
    expect(started.status).toBe(201)
    const mail = await smtp.nextMessage('ada@example.com')
    const verified = await call(server.url, 'POST', '/v1/verifications/verify', {
      key: app.key,
      body: { verification_id: started.body.verification_id, verification_code: codeFromEmailText(mail.text ?? '') },
    })
    expect(verified.status).toBe(200)
    const token: string = verified.body.verification_token

    const jwksResponse = await call(server.url, 'GET', '/.well-known/jwks.json')
    expect(jwksResponse.status).toBe(200)
    expect(jwksResponse.body.keys.length).toBeGreaterThanOrEqual(1)
    for (const jwk of jwksResponse.body.keys) {
      expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })
      expect(jwk).not.toHaveProperty('d')
    }
    const jwks = createLocalJWKSet(jwksResponse.body)

    const { payload, protectedHeader } = await jwtVerify(token, jwks, { algorithms: ['EdDSA'], audience: app.appId })
    expect(protectedHeader.alg).toBe('EdDSA')
    expect(jwksResponse.body.keys.map((k: { kid: string }) => k.kid)).toContain(protectedHeader.kid)
    expect(payload).toMatchObject({
      aud: app.appId,
      sub: 'u_42',
      scene: 'login',
      vid: started.body.verification_id,
      channel: 'email',
      to: 'ada@example.com',
    })
    expect(payload.jti).toMatch(/^tok_/)
    expect(typeof payload.iat).toBe('number')
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(600)
    expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(60)

    // Another app is not the audience; a token altered by one character is refused.
    await expect(jwtVerify(token, jwks, { algorithms: ['EdDSA'], audience: 'app_someone_else' })).rejects.toThrow()
    const [h, p, s] = token.split('.')
    const tampered = `${h}.${p}.${s?.[0] === 'A' ? 'B' : 'A'}${s?.slice(1)}`
    await expect(jwtVerify(tampered, jwks, { algorithms: ['EdDSA'], audience: app.appId })).rejects.toThrow()
    expect(decodeProtectedHeader(tampered).kid).toBe(protectedHeader.kid)
    // Tessera itself does not recognise the altered token either.
    const introspected = await call(server.url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: tampered },
    })
    expect(introspected.body).toEqual({ active: false, reason: 'invalid' })
  })

  it('omits sub when no user_id was given', async () => {
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'email', to: 'anon@example.com' },
    })
    expect(started.status).toBe(201)
    const mail = await smtp.nextMessage('anon@example.com')
    const verified = await call(server.url, 'POST', '/v1/verifications/verify', {
      key: app.key,
      body: { verification_id: started.body.verification_id, verification_code: codeFromEmailText(mail.text ?? '') },
    })
    const jwks = createLocalJWKSet((await call(server.url, 'GET', '/.well-known/jwks.json')).body)
    const { payload } = await jwtVerify(verified.body.verification_token, jwks, {
      algorithms: ['EdDSA'],
      audience: app.appId,
    })
    expect(payload.sub).toBeUndefined()
    expect(payload.scene).toBe('verify-identifier')
    const introspected = await call(server.url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: verified.body.verification_token },
    })
    expect(introspected.body).toMatchObject({ active: true, user_id: null, to: 'anon@example.com' })
  })
})
