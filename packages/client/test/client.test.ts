import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AuthenticationError,
  InvalidCodeError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  Tessera,
  TesseraAdmin,
  TesseraError,
} from '../src/index.js'
import { newPhone, type RunningTessera, startTessera } from './helpers/tessera-server.js'

// The SDK against a real Tessera process: every method over real HTTP, with the API's own field names.

let server: RunningTessera
let tessera: Tessera

beforeAll(async () => {
  server = await startTessera()
  tessera = new Tessera({ baseUrl: server.url, apiKey: server.apiKey, appId: server.appId })
})
afterAll(async () => {
  await server?.stop()
})

describe('verifications', () => {
  it('starts, checks and answers a scene-bound token; get and the token introspection agree', async () => {
    const to = newPhone()
    const started = await tessera.verifications.start({ channel: 'sms', to, scene: 'signup' })
    expect(started).toMatchObject({ status: 'pending', channel: 'sms', scene: 'signup' })
    expect(started.to).not.toBe(to)
    const code = await server.codeSentTo(to)
    const checked = await tessera.verifications.check({
      verification_id: started.verification_id,
      verification_code: code,
    })
    expect(checked).toMatchObject({ status: 'approved', scene: 'signup', verification_id: started.verification_id })
    expect(typeof checked.verification_token).toBe('string')
    expect((await tessera.verifications.get(started.verification_id)).status).toBe('approved')

    const introspected = await tessera.tokens.introspect({ verification_token: String(checked.verification_token) })
    expect(introspected).toMatchObject({ active: true, scene: 'signup', to, verification_id: started.verification_id })
    const consumed = await tessera.tokens.consume({
      verification_token: String(checked.verification_token),
      scene: 'signup',
    })
    expect(consumed.active).toBe(true)
    expect(await tessera.tokens.consume(String(checked.verification_token))).toEqual({
      active: false,
      reason: 'consumed',
    })
  })

  it('throws InvalidCodeError with attemptsRemaining for a wrong code, in Tessera’s error fields', async () => {
    const to = newPhone()
    const { verification_id } = await tessera.verifications.start({ channel: 'sms', to })
    const code = await server.codeSentTo(to)
    const wrong = code.startsWith('0') ? `1${code.slice(1)}` : `0${code.slice(1)}`
    const error = await tessera.verifications
      .check({ verification_id, verification_code: wrong })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(InvalidCodeError)
    expect(error).toBeInstanceOf(TesseraError)
    const invalid = error as InvalidCodeError
    expect(invalid).toMatchObject({ error: 'invalid_verification_code', errorCode: 4001, status: 400 })
    expect(invalid.attemptsRemaining).toBe(4)
    expect(invalid.body.attempts_remaining).toBe(4)
    expect(invalid.attempts_remaining).toBe(4)
    expect(invalid.message).toBe(invalid.body.error_description)
  })

  it('refuses an early resend (429 resend_too_soon, too long to wait for) and cancels', async () => {
    const to = newPhone()
    const { verification_id } = await tessera.verifications.start({ channel: 'sms', to })
    const first = await server.codeSentTo(to)
    // The cooldown answers 429 resend_too_soon with retry_after beyond the client’s patience: no retry, an error.
    const early = await tessera.verifications.resend(verification_id).catch((caught: unknown) => caught)
    expect(early).toBeInstanceOf(RateLimitedError)
    expect((early as RateLimitedError).error).toBe('resend_too_soon')
    expect((early as RateLimitedError).retryAfter).toBeGreaterThan(10)
    expect(server.sentTo(to)).toBe(1)

    const canceled = await tessera.verifications.cancel(verification_id)
    expect(canceled.status).toBe('canceled')
    const refused = await tessera.verifications
      .check({ verification_id, verification_code: first })
      .catch((caught: unknown) => caught)
    // The error's own status is the HTTP one; the body's `status` field stays in `body`.
    expect(refused).toMatchObject({ error: 'verification_not_pending', status: 409 })
    expect((refused as TesseraError).body.status).toBe('canceled')
  })

  it('resends a new code without a cooldown; the first code stops working', async () => {
    // An app without a resend cooldown (made with the admin client).
    const admin = new TesseraAdmin({ baseUrl: server.url, adminKey: server.adminKey })
    const app = await admin.apps.create({
      name: 'No cooldown',
      settings: { channels: { sms: { resend_cooldown_seconds: 0 } } },
    })
    const client = new Tessera({ baseUrl: server.url, apiKey: (await admin.keys.create(app.app_id)).key })
    const to = newPhone()
    const { verification_id } = await client.verifications.start({ channel: 'sms', to })
    const first = await server.codeSentTo(to)
    const resent = await client.verifications.resend(verification_id)
    expect(resent.sends).toBe(2)
    await expect.poll(() => server.sentTo(to)).toBe(2)
    const second = await server.codeSentTo(to)
    if (second !== first) {
      const stale = await client.verifications
        .check({ verification_id, verification_code: first })
        .catch((caught: unknown) => caught)
      expect(stale).toBeInstanceOf(InvalidCodeError)
    }
    expect((await client.verifications.check({ verification_id, verification_code: second })).status).toBe('approved')
  })

  it('answers NotFoundError for an unknown verification and AuthenticationError for a bad key', async () => {
    await expect(tessera.verifications.get('ver_unknown')).rejects.toBeInstanceOf(NotFoundError)
    const stranger = new Tessera({ baseUrl: server.url, apiKey: 'tsk_not_a_key' })
    const error = await stranger.verifications.get('ver_x').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error).toMatchObject({ error: 'unauthorized', errorCode: 4010, status: 401 })
  })
})

describe('users, factors and challenges', () => {
  it('binds and activates an SMS factor, challenges it in 2fa, lists it, and removes it with a step-up token', async () => {
    const user = tessera.users('u_sdk_1')
    const to = newPhone()
    const bound = await user.factors.bind({ type: 'sms', to })
    expect(bound).toMatchObject({ type: 'sms', status: 'pending' })
    const activated = await user.factors.activate(bound.factor_id, { verification_code: await server.codeSentTo(to) })
    expect(activated.status).toBe('active')
    const [listed] = await user.factors.list()
    expect(listed).toMatchObject({ factor_id: bound.factor_id, status: 'active' })

    const challenge = await user.challenge({ scene: 'step-up', factor_id: bound.factor_id })
    expect(challenge).toMatchObject({ status: 'pending', scene: 'step-up', factor_id: bound.factor_id })
    const { verification_token } = await tessera.verifications.check({
      verification_id: challenge.verification_id,
      verification_code: await server.codeSentTo(to),
    })

    await expect(user.factors.remove(bound.factor_id)).rejects.toBeInstanceOf(PermissionDeniedError)
    await user.factors.remove(bound.factor_id, { stepUpToken: String(verification_token) })
    expect(await user.factors.list()).toEqual([])
  })

  it('binds an authenticator (the secret is revealed once) and backup codes', async () => {
    const user = tessera.users('u_sdk_2')
    const totp = await user.factors.bind({ type: 'totp' })
    expect(totp).toMatchObject({ type: 'totp', status: 'pending' })
    expect(String(totp.otpauth_uri)).toMatch(/^otpauth:\/\/totp\//)
    const backup = await user.factors.bind({ type: 'backup-code' })
    expect(backup.codes).toHaveLength(10)
  })
})

describe('hosted sessions', () => {
  it('creates a session whose url is a hosted page, and refuses a wrong exchange code', async () => {
    const session = await tessera.sessions.create({
      channel: 'sms',
      redirect_url: 'http://localhost:4567/signup/done',
      scene: 'signup',
      response_mode: 'code',
    })
    expect(session.url).toBe(`${server.url}/hosted/${session.session_id}`)
    expect((await fetch(session.url)).status).toBe(200)
    const error = await tessera.sessions
      .exchange(session.session_id, { code: 'nope' })
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 })
  })
})

describe('TesseraAdmin', () => {
  it('creates an app and a key, reads, updates and lists apps, revokes the key', async () => {
    const admin = new TesseraAdmin({ baseUrl: server.url, adminKey: server.adminKey })
    const app = await admin.apps.create({ name: 'Admin SDK' })
    expect(app.name).toBe('Admin SDK')
    const key = await admin.keys.create(app.app_id, { name: 'backend' })
    expect(key.key).toMatch(/^tsk_/)
    const client = new Tessera({ baseUrl: server.url, apiKey: key.key })
    await expect(client.verifications.get('ver_none')).rejects.toBeInstanceOf(NotFoundError)

    expect((await admin.apps.get(app.app_id)).app_id).toBe(app.app_id)
    const updated = await admin.apps.update(app.app_id, { settings: { token_ttl_seconds: 120 } })
    expect(updated.settings.token_ttl_seconds).toBe(120)
    expect((await admin.apps.list()).apps.map((listed) => listed.app_id)).toContain(app.app_id)
    const keys = await admin.keys.list(app.app_id)
    expect(keys.keys).toHaveLength(1)
    await admin.keys.revoke(app.app_id, key.key_id)
    await expect(client.verifications.get('ver_none')).rejects.toBeInstanceOf(AuthenticationError)

    const signing = await admin.signingKeys.list()
    expect(signing.keys.length).toBeGreaterThan(0)
    await expect(new TesseraAdmin({ baseUrl: server.url, adminKey: server.apiKey }).apps.list()).rejects.toBeInstanceOf(
      PermissionDeniedError,
    )
  })
})
