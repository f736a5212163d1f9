import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'
import { csrfOf, hostedBrowser } from '../../../test/helpers/hosted-browser.js'

/**
 * Hosted sessions with `response_mode: "code"`: the browser carries a one-time code, the backend
 * exchanges it for the token (RFC 6749 §4.1.2 authorization code, applied to verification tokens).
 * @see issue 13, part 10
 */

const REDIRECT = 'https://app.example.com/verified'
const PHONE = '+14155552671'

let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

async function createSession(key: string, body: Record<string, unknown> = {}) {
  const created = await t.request('POST', '/v1/sessions', {
    key,
    body: { channel: 'sms', redirect_url: REDIRECT, to: PHONE, ...body },
  })
  expect(created.statusCode).toBe(201)
  return created.json<{ session_id: string; response_mode: string }>()
}

/** Drives the hosted pages over HTTP, as a person would, to the redirect; answers its URL. */
async function completeInBrowser(sessionId: string): Promise<URL> {
  const b = hostedBrowser(t)
  const entry = await b.get(`/hosted/${sessionId}`)
  expect((await b.post(`/hosted/${sessionId}/start`, { csrf: csrfOf(entry.body), channel: 'sms' })).statusCode).toBe(
    303,
  )
  const codePage = await b.get(`/hosted/${sessionId}`)
  const done = await b.post(`/hosted/${sessionId}/verify`, {
    csrf: csrfOf(codePage.body),
    code: t.capture.lastCode(PHONE),
  })
  expect(done.statusCode).toBe(303)
  return new URL(String(done.headers.location))
}

const exchange = (key: string, sessionId: string, code: string) =>
  t.request('POST', `/v1/sessions/${sessionId}/exchange`, { key, body: { code } })

async function codeSession(state?: string) {
  const { appId, key } = await t.createApp({ redirect_urls: [REDIRECT] })
  const { session_id: sessionId } = await createSession(key, { response_mode: 'code', ...(state ? { state } : {}) })
  const redirect = await completeInBrowser(sessionId)
  return { appId, key, sessionId, redirect, code: redirect.searchParams.get('code') ?? '' }
}

describe('response_mode "code"', () => {
  it('redirects with a one-time code instead of the token; the backend exchanges it for an active token', async () => {
    const { appId, key } = await t.createApp({ redirect_urls: [REDIRECT] })
    const created = await createSession(key, { response_mode: 'code', state: 'st-9' })
    expect(created.response_mode).toBe('code')

    const redirect = await completeInBrowser(created.session_id)
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT)
    expect(redirect.searchParams.get('verification_token')).toBeNull()
    // No JWT anywhere in the URL: not as a parameter, not inside another one.
    expect(redirect.toString()).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./)
    expect(redirect.searchParams.get('state')).toBe('st-9')
    expect(redirect.searchParams.get('session_id')).toBe(created.session_id)
    const code = redirect.searchParams.get('code') ?? ''
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const exchanged = await exchange(key, created.session_id, code)
    expect(exchanged.statusCode).toBe(200)
    expect(exchanged.headers['cache-control']).toBe('no-store')
    const body = exchanged.json<{
      verification_token: string
      expires_in: number
      scene: string
      verification_id: string
    }>()
    expect(body.verification_token).toMatch(/^ey/)
    expect(body.expires_in).toBe(600)
    expect(body.scene).toBe('verify-identifier')
    expect(body.verification_id).toMatch(/^ver_/)

    const introspection = await t.request('POST', '/v1/tokens/verify', {
      key,
      body: { verification_token: body.verification_token },
    })
    expect(introspection.json()).toMatchObject({
      active: true,
      verification_id: body.verification_id,
      scene: 'verify-identifier',
      to: PHONE,
    })
    // The token was issued for this app (its audience), like any verification token.
    expect(JSON.parse(Buffer.from(body.verification_token.split('.')[1] ?? '', 'base64url').toString()).aud).toBe(appId)
  })

  it('keeps the token sealed and the code only hashed until the exchange, and wipes both at it', async () => {
    const { key, sessionId, code } = await codeSession()
    const before = await t.tessera.store.hostedSessions.findById(sessionId)
    expect(before?.responseMode).toBe('code')
    expect(before?.exchangeCodeHash).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(before?.exchangeCodeHash).not.toBe(code)
    expect(before?.sealedToken).toMatch(/^v1\./)
    expect(JSON.stringify(before)).not.toContain(code)

    const token = (await exchange(key, sessionId, code)).json<{ verification_token: string }>().verification_token
    // The token itself was never in the row, nor its signature. (A pattern for "some JWT" matched the sealed
    // token's random ciphertext now and then: `…ey8diOvcRVPC3tsg.…`.)
    expect(JSON.stringify(before)).not.toContain(token)
    expect(JSON.stringify(before)).not.toContain(token.split('.')[2])
    const after = await t.tessera.store.hostedSessions.findById(sessionId)
    expect(after?.exchangeCodeHash).toBeNull()
    expect(after?.sealedToken).toBeNull()
    expect(JSON.stringify(after)).not.toContain(token)
  })

  it('exchanges a code once: a second exchange answers invalid_grant and no second token', async () => {
    const { key, sessionId, code } = await codeSession()
    expect((await exchange(key, sessionId, code)).statusCode).toBe(200)
    const again = await exchange(key, sessionId, code)
    expect(again.statusCode).toBe(400)
    expect(again.json()).toMatchObject({ error: 'invalid_grant', error_code: 4002 })
    expect(again.body).not.toContain('verification_token')
  })

  it('of 20 parallel exchanges of one code, exactly one gets the token', async () => {
    const { key, sessionId, code } = await codeSession()
    const answers = await Promise.all(Array.from({ length: 20 }, () => exchange(key, sessionId, code)))
    const statuses = answers.map((answer) => answer.statusCode)
    expect(statuses.filter((status) => status === 200)).toHaveLength(1)
    expect(statuses.filter((status) => status === 400)).toHaveLength(19)
    for (const answer of answers.filter((a) => a.statusCode === 400)) expect(answer.json().error).toBe('invalid_grant')
  })

  it('a code works for 60 seconds after approval, not longer', async () => {
    const late = await codeSession()
    t.clock.advanceSeconds(60)
    const refused = await exchange(late.key, late.sessionId, late.code)
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error).toBe('invalid_grant')

    const inTime = await codeSession()
    t.clock.advanceSeconds(59)
    const accepted = await exchange(inTime.key, inTime.sessionId, inTime.code)
    expect(accepted.statusCode).toBe(200)
    // The token's own lifetime counts from the approval, not from the exchange.
    expect(accepted.json().expires_in).toBe(600 - 59)
  })

  it('never outlives a token shorter-lived than a minute', async () => {
    const { key } = await t.createApp({ redirect_urls: [REDIRECT], token_ttl_seconds: 20 })
    const { session_id: sessionId } = await createSession(key, { response_mode: 'code' })
    const code = (await completeInBrowser(sessionId)).searchParams.get('code') ?? ''
    t.clock.advanceSeconds(20)
    expect((await exchange(key, sessionId, code)).json().error).toBe('invalid_grant')
  })

  it('refuses a code at another session (and that session’s own code still works)', async () => {
    const { key, sessionId: first, code: firstCode } = await codeSession()
    const { session_id: second } = await createSession(key, { response_mode: 'code' })
    const secondCode = (await completeInBrowser(second)).searchParams.get('code') ?? ''

    // An attacker's code injected into a victim's callback: the backend exchanges at its own session.
    const swapped = await exchange(key, second, firstCode)
    expect(swapped.statusCode).toBe(400)
    expect(swapped.json().error).toBe('invalid_grant')
    const unknown = await exchange(key, 'ses_nope', firstCode)
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().error).toBe('invalid_grant')

    expect((await exchange(key, second, secondCode)).statusCode).toBe(200)
    expect((await exchange(key, first, firstCode)).statusCode).toBe(200)
  })

  it('refuses another app’s key with the same answer, and leaves the code to its own app', async () => {
    const { key, sessionId, code } = await codeSession()
    const other = await t.createApp({ redirect_urls: [REDIRECT] }, 'Other')
    const foreign = await exchange(other.key, sessionId, code)
    expect(foreign.statusCode).toBe(400)
    expect(foreign.json().error).toBe('invalid_grant')
    expect((await exchange(key, sessionId, code)).statusCode).toBe(200)
  })

  it('refuses a wrong code, a missing code and no key', async () => {
    const { key, sessionId, code } = await codeSession()
    const wrong = await exchange(key, sessionId, `${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`)
    expect(wrong.json().error).toBe('invalid_grant')
    const missing = await t.request('POST', `/v1/sessions/${sessionId}/exchange`, { key, body: {} })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error).toBe('invalid_request')
    const tooLong = await exchange(key, 'x'.repeat(65), code)
    expect(tooLong.json().error).toBe('invalid_request')
    const anonymous = await t.request('POST', `/v1/sessions/${sessionId}/exchange`, { body: { code } })
    expect(anonymous.statusCode).toBe(401)
    // None of these spent it.
    expect((await exchange(key, sessionId, code)).statusCode).toBe(200)
  })

  it('has nothing to exchange before the session completes', async () => {
    const { key } = await t.createApp({ redirect_urls: [REDIRECT] })
    const { session_id: sessionId } = await createSession(key, { response_mode: 'code' })
    expect((await exchange(key, sessionId, 'a'.repeat(43))).json().error).toBe('invalid_grant')
  })

  it('applies to the magic link too', async () => {
    const { key } = await t.createApp({ redirect_urls: [REDIRECT], email_magic_link: true })
    const created = await t.request('POST', '/v1/sessions', {
      key,
      body: { channel: 'email', to: 'ann@example.com', redirect_url: REDIRECT, response_mode: 'code' },
    })
    const sessionId = created.json<{ session_id: string }>().session_id
    const b = hostedBrowser(t)
    const entry = await b.get(`/hosted/${sessionId}`)
    await b.post(`/hosted/${sessionId}/start`, { csrf: csrfOf(entry.body), channel: 'email' })
    const secret = /\/confirm\?t=([A-Za-z0-9_-]+)/.exec(t.capture.messages.at(-1)?.text ?? '')?.[1] ?? ''
    const confirmPage = await b.get(`/hosted/${sessionId}/confirm?t=${secret}`)
    const approved = await b.post(`/hosted/${sessionId}/confirm`, { csrf: csrfOf(confirmPage.body), t: secret })
    expect(approved.statusCode).toBe(303)
    const redirect = new URL(String(approved.headers.location))
    expect(redirect.searchParams.get('verification_token')).toBeNull()
    const exchanged = await exchange(key, sessionId, redirect.searchParams.get('code') ?? '')
    expect(exchanged.statusCode).toBe(200)
  })
})

describe('response_mode "token"', () => {
  it('is the default, and unchanged: the redirect carries the token; there is nothing to exchange', async () => {
    const { key } = await t.createApp({ redirect_urls: [REDIRECT] })
    for (const body of [{}, { response_mode: 'token' }]) {
      const created = await createSession(key, body)
      expect(created.response_mode).toBe('token')
      const redirect = await completeInBrowser(created.session_id)
      const token = redirect.searchParams.get('verification_token') ?? ''
      expect(token).toMatch(/^ey/)
      expect(redirect.searchParams.get('code')).toBeNull()
      const introspection = await t.request('POST', '/v1/tokens/verify', { key, body: { verification_token: token } })
      expect(introspection.json().active).toBe(true)
      const row = await t.tessera.store.hostedSessions.findById(created.session_id)
      expect(row?.sealedToken).toBeNull()
      expect((await exchange(key, created.session_id, 'a'.repeat(43))).json().error).toBe('invalid_grant')
    }
  })

  it('refuses an unknown response_mode', async () => {
    const { key } = await t.createApp({ redirect_urls: [REDIRECT] })
    const created = await t.request('POST', '/v1/sessions', {
      key,
      body: { channel: 'sms', redirect_url: REDIRECT, response_mode: 'fragment' },
    })
    expect(created.statusCode).toBe(400)
    expect(created.json().error).toBe('invalid_request')
  })
})

describe('logs', () => {
  it('never show the exchange code or the token, at trace', async () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const quiet = t
    t = await createTestApp({ logger: pino({ level: 'trace' }, sink) })
    try {
      const { key, sessionId, code } = await codeSession()
      const token = (await exchange(key, sessionId, code)).json<{ verification_token: string }>().verification_token
      expect(token).toMatch(/^ey/)
      // The run was logged (requests, at least), so the absence below means something.
      expect(lines.join('')).toContain('/exchange')
      expect(lines.join('')).not.toContain(code)
      expect(lines.join('')).not.toContain(token)
    } finally {
      await t.close()
      t = quiet
    }
  })
})
