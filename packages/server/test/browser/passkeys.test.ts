import type { BrowserContext, CDPSession, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CreatedApp, call, createAppWithKey } from '../e2e/helpers/api.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from '../e2e/helpers/start-server.js'
import { expectAccessible } from './helpers/axe.js'
import { browserTestsEnabled, type LaunchedBrowser, launchChromium } from './helpers/chromium.js'
import { startLandingServer } from './helpers/landing-server.js'

// Passkeys in a real browser: Chromium's virtual authenticator (DevTools' WebAuthn domain: ctap2, internal
// transport, resident keys and user verification) registers and signs in through a test page on Tessera's own
// origin (http://localhost:PORT, a secure context) that calls the API with @simplewebauthn/browser as Tessera
// serves it; then what an attacker does with real assertions — replay, another origin, no user verification,
// a cloned authenticator — is refused over the API.

const enabled = browserTestsEnabled()
const secrets = secretsForTest()
let server: TestServer
let chromium: LaunchedBrowser
let context: BrowserContext
/** For axe-core, which is injected as a script the pages' CSP rightly refuses (the other context keeps CSP). */
let axeContext: BrowserContext
let app: CreatedApp
/** Tessera as the browser reaches it: localhost (an RP ID may not be an IP address). */
let origin: string
let landing: Awaited<ReturnType<typeof startLandingServer>>

/** The test page: served at Tessera's origin, it loads the library from Tessera and calls the API. */
const TEST_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Passkey test page</title>
<script src="/hosted/assets/webauthn.js"></script>
<script>
  window.api = async (key, method, path, body) => {
    const response = await fetch(path, {
      method,
      headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: response.status, body: await response.json() }
  }
  window.register = async (key, userId, stepUpToken) => {
    const bound = await fetch('/v1/users/' + userId + '/factors', {
      method: 'POST',
      headers: Object.assign({ authorization: 'Bearer ' + key, 'content-type': 'application/json' },
        stepUpToken ? { 'x-verification-token': stepUpToken } : {}),
      body: JSON.stringify({ type: 'passkey', name: 'Virtual key', user_name: userId + '@example.com' }),
    }).then((r) => r.json())
    const credential = await SimpleWebAuthnBrowser.startRegistration({ optionsJSON: bound.options })
    const activated = await api(key, 'POST', '/v1/users/' + userId + '/factors/' + bound.factor_id + '/activate', { credential })
    return { bound, credential, activated }
  }
  window.signIn = async (key, userId, scene) => {
    const started = userId
      ? await api(key, 'POST', '/v1/users/' + userId + '/challenges', { scene: scene || 'login', type: 'passkey' })
      : await api(key, 'POST', '/v1/challenges', { scene: scene || 'login', type: 'passkey' })
    const credential = await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: started.body.options })
    const verified = await api(key, 'POST', '/v1/verifications/verify', { verification_id: started.body.verification_id, credential })
    return { started: started.body, credential, verified }
  }
  window.ceremony = (options) => SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options })
</script></head><body><h1>Passkey test page</h1></body></html>`

/** A page at `pageOrigin` showing the test page, with a virtual authenticator of its own. */
async function openTestPage(
  pageOrigin: string,
  inContext: BrowserContext = context,
): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
  const page = await inContext.newPage()
  await page.route(`${pageOrigin}/passkey-test-page`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: TEST_PAGE }),
  )
  if (pageOrigin !== origin) {
    // A page elsewhere gets the same library, fetched from Tessera.
    await page.route(`${pageOrigin}/hosted/assets/webauthn.js`, async (route) =>
      route.fulfill({ response: await route.fetch({ url: `${origin}/hosted/assets/webauthn.js` }) }),
    )
  }
  const cdp = await inContext.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  await page.goto(`${pageOrigin}/passkey-test-page`)
  await page.waitForFunction("'SimpleWebAuthnBrowser' in window")
  return { page, cdp, authenticatorId }
}

import type { Json } from '../e2e/helpers/api.js'

const verify = (verificationId: string, credential: unknown) =>
  call(server.url, 'POST', '/v1/verifications/verify', {
    key: app.key,
    body: { verification_id: verificationId, credential },
  })
const challenge = (userId: string) =>
  call(server.url, 'POST', `/v1/users/${userId}/challenges`, {
    key: app.key,
    body: { scene: 'login', type: 'passkey' },
  })

beforeAll(async () => {
  if (!enabled) return
  server = await startServer({ env: { ...secrets } })
  origin = server.url.replace('127.0.0.1', 'localhost')
  landing = await startLandingServer()
  // Only Tessera's own origin may run ceremonies: another localhost port is a foreign origin.
  app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Northwind', {
    webauthn: { rp_id: 'localhost', origins: [origin] },
    redirect_urls: [landing.callbackUrl],
  })
  chromium = await launchChromium()
  context = await chromium.browser.newContext({ locale: 'en-US' })
  axeContext = await chromium.browser.newContext({ locale: 'en-US', bypassCSP: true })
})

afterAll(async () => {
  await chromium?.close()
  await server?.stop()
  await killAll()
  await landing?.close()
  cleanupTempDirs()
})

/** A hosted session, opened on Tessera's localhost origin (the RP ID's). */
async function hostedSession(body: Record<string, unknown>): Promise<{ session_id: string; url: string }> {
  const created = await call(server.url, 'POST', '/v1/sessions', {
    key: app.key,
    body: { redirect_url: landing.callbackUrl, ...body },
  })
  expect(created.status).toBe(201)
  return { ...created.body, url: created.body.url.replace(server.url, origin) }
}

describe.runIf(enabled)('passkeys with Chromium’s virtual authenticator', () => {
  it('registers through a test page that calls the API, then signs in with and without a user', async () => {
    const { page, cdp, authenticatorId } = await openTestPage(origin)
    const registered = (await page.evaluate(
      (key) =>
        (globalThis as unknown as { register: (k: string, u: string) => Promise<unknown> }).register(key, 'u_ada'),
      app.key,
    )) as Json
    expect(registered.bound.options.rp).toEqual({ id: 'localhost', name: 'Northwind' })
    expect(registered.activated).toMatchObject({ status: 200, body: { status: 'active', type: 'passkey' } })
    // A resident (discoverable) key, made with user verification, in the virtual authenticator.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' })

    const listed = await call(server.url, 'GET', '/v1/users/u_ada/factors', { key: app.key })
    expect(listed.body.factors[0]).toMatchObject({
      type: 'passkey',
      status: 'active',
      label: 'Virtual key',
      transports: ['internal'],
    })

    const withUser = (await page.evaluate(
      (key) => (globalThis as unknown as { signIn: (k: string, u: string) => Promise<unknown> }).signIn(key, 'u_ada'),
      app.key,
    )) as Json
    expect(withUser.verified).toMatchObject({ status: 200, body: { status: 'approved', user_id: 'u_ada' } })

    const usernameless = (await page.evaluate(
      (key) => (globalThis as unknown as { signIn: (k: string, u: null) => Promise<unknown> }).signIn(key, null),
      app.key,
    )) as Json
    expect(usernameless.started.options.allowCredentials).toEqual([])
    expect(usernameless.verified).toMatchObject({ status: 200, body: { status: 'approved', user_id: 'u_ada' } })
    const token = await call(server.url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: usernameless.verified.body.verification_token, scene: 'login' },
    })
    expect(token.body).toMatchObject({ active: true, channel: 'passkey', user_id: 'u_ada' })

    // Replay: the assertion the browser made is worthless a second time, and on a new challenge.
    const again = await verify(usernameless.started.verification_id, usernameless.credential)
    expect(again.status).toBe(409)
    const fresh = await challenge('u_ada')
    const replayed = await verify(fresh.body.verification_id, usernameless.credential)
    expect(replayed.status).toBe(400)
    expect(replayed.body).toMatchObject({ error: 'credential_rejected', reason: 'challenge_mismatch' })
    await page.close()
  })

  it('refuses a real assertion made on another origin, one without user verification, and a cloned authenticator', {
    timeout: 60_000,
  }, async () => {
    const { page, cdp, authenticatorId } = await openTestPage(origin)
    const registered = (await page.evaluate(
      (key) =>
        (globalThis as unknown as { register: (k: string, u: string) => Promise<unknown> }).register(key, 'u_bob'),
      app.key,
    )) as Json
    expect(registered.activated.status).toBe(200)
    const [credential] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials
    if (!credential) throw new Error('the virtual authenticator holds no credential')

    // The same passkey on a page of another origin (another localhost port: the same RP ID).
    const foreignOrigin = `http://localhost:${Number(new URL(origin).port) === 65535 ? 65534 : Number(new URL(origin).port) + 1}`
    const foreign = await openTestPage(foreignOrigin)
    await foreign.cdp.send('WebAuthn.addCredential', { authenticatorId: foreign.authenticatorId, credential })
    const started = await challenge('u_bob')
    const elsewhere = await foreign.page.evaluate(
      (options) => (globalThis as unknown as { ceremony: (o: unknown) => Promise<unknown> }).ceremony(options),
      started.body.options,
    )
    const offOrigin = await verify(started.body.verification_id, elsewhere)
    expect(offOrigin.status).toBe(400)
    expect(offOrigin.body).toMatchObject({ error: 'credential_rejected', reason: 'origin_mismatch' })
    await foreign.page.close()

    // No user verification: the page asks the authenticator not to verify the person; the app requires it.
    const unverified = await challenge('u_bob')
    const lax = await page.evaluate(
      (options) => (globalThis as unknown as { ceremony: (o: unknown) => Promise<unknown> }).ceremony(options),
      { ...unverified.body.options, userVerification: 'discouraged' },
    )
    const noUv = await verify(unverified.body.verification_id, lax)
    expect(noUv.status).toBe(400)
    expect(noUv.body).toMatchObject({ error: 'credential_rejected', reason: 'user_verification_missing' })

    // A clone: the credential as it was exported, put back after the original signed on.
    const [cloned] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials
    if (!cloned) throw new Error('the virtual authenticator holds no credential')
    for (let i = 0; i < 2; i++) {
      const signed = (await page.evaluate(
        (key) => (globalThis as unknown as { signIn: (k: string, u: string) => Promise<unknown> }).signIn(key, 'u_bob'),
        app.key,
      )) as Json
      expect(signed.verified.status).toBe(200)
    }
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: cloned.credentialId })
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: cloned })
    const fromClone = (await page.evaluate(
      (key) => (globalThis as unknown as { signIn: (k: string, u: string) => Promise<unknown> }).signIn(key, 'u_bob'),
      app.key,
    )) as Json
    expect(fromClone.verified.status).toBe(400)
    expect(fromClone.verified.body).toMatchObject({ error: 'credential_rejected', reason: 'counter_regression' })
    const factors = await call(server.url, 'GET', '/v1/users/u_bob/factors', { key: app.key })
    expect(factors.body.factors[0]).toMatchObject({ flag_reason: 'counter_regression' })
    await page.close()
  })

  it('hosted pages: “Sign in with a passkey” runs the ceremony and redirects with a token naming the user', async () => {
    const { page } = await openTestPage(origin)
    const registered = (await page.evaluate(
      (key) =>
        (globalThis as unknown as { register: (k: string, u: string) => Promise<unknown> }).register(key, 'u_cy'),
      app.key,
    )) as Json
    expect(registered.activated.status).toBe(200)
    const session = await hostedSession({ channel: ['passkey', 'email'], scene: 'login', state: 'pk' })
    await page.goto(session.url)
    // The page keeps its CSP: scripts load by nonce, from Tessera only.
    const csp = (await page.request.get(session.url)).headers()['content-security-policy'] ?? ''
    expect(csp).toContain("script-src 'nonce-")
    expect(await page.locator('script[src="/hosted/assets/webauthn.js"]').count()).toBe(1)
    // The email form is the fallback, below the passkey button.
    expect(await page.locator('#email').count()).toBe(1)
    await Promise.all([page.waitForURL(`${landing.callbackUrl}**`), page.click('[data-ceremony-button]')])
    const landed = new URL(page.url())
    expect(landed.searchParams.get('state')).toBe('pk')
    const token = await call(server.url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: landed.searchParams.get('verification_token') },
    })
    expect(token.body).toMatchObject({ active: true, channel: 'passkey', user_id: 'u_cy', scene: 'login' })
    await page.close()
  })

  it('hosted pages: without a passkey the page says so and the email form stays as the fallback', async () => {
    const { page } = await openTestPage(origin, axeContext)
    const session = await hostedSession({ channel: ['passkey', 'email'], scene: 'login' })
    await page.goto(session.url)
    await expectAccessible(page)
    await page.click('[data-ceremony-button]')
    await page.waitForSelector('#alert:not(:empty)', { timeout: 20_000 })
    expect(await page.textContent('#alert')).toContain('No passkey was used')
    await page.fill('#email', 'cy@example.org')
    await page.click('form[action$="/start"] button[type=submit]')
    await page.waitForSelector('#code')
    await page.close()
  }, 60_000)

  it('hosted enrolment: adds a first passkey at once, and another only after a step-up with the first', async () => {
    const { page, cdp, authenticatorId } = await openTestPage(origin, axeContext)
    const first = await hostedSession({ purpose: 'enroll', type: 'passkey', user_id: 'u_dee', state: 'e1' })
    await page.goto(first.url)
    expect(await page.textContent('h1')).toBe('Add a passkey')
    await expectAccessible(page)
    await Promise.all([page.waitForURL(`${landing.callbackUrl}**`), page.click('[data-ceremony-button]')])
    const factorId = new URL(page.url()).searchParams.get('factor_id')
    const listed = await call(server.url, 'GET', '/v1/users/u_dee/factors', { key: app.key })
    expect(listed.body.factors).toMatchObject([{ factor_id: factorId, type: 'passkey', status: 'active' }])

    // The user now has a factor: a second passkey needs the first one's step-up.
    const second = await hostedSession({ purpose: 'enroll', type: 'passkey', user_id: 'u_dee' })
    await page.goto(second.url)
    expect(await page.textContent('h1')).toBe('Confirm it’s you')
    await Promise.all([page.waitForURL(second.url), page.click('[data-ceremony-button]')])
    await page.waitForSelector('h1:has-text("Add a passkey")')
    // A new authenticator for the new passkey (this one already holds a passkey for this user).
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId })
    await Promise.all([page.waitForURL(`${landing.callbackUrl}**`), page.click('[data-ceremony-button]')])
    const after = await call(server.url, 'GET', '/v1/users/u_dee/factors', { key: app.key })
    expect(after.body.factors.filter((factor: Json) => factor.status === 'active')).toHaveLength(2)
    await page.close()
  }, 60_000)
})
