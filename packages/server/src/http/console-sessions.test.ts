import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../test/helpers/create-test-app.js'
import { createSharedDatabaseInstances, type SharedDatabaseInstances } from '../../test/helpers/shared-database.js'
import type { Tessera } from '../app.js'
import { CONSOLE_SESSION_SECONDS } from '../core/console-session-service.js'
import { SIGN_IN_FAILURES_PER_IP } from '../web/console/console-auth.js'

const CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const FIREFOX_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'

/** `name=value` pairs of a response's Set-Cookie headers, without the cleared ones. */
function cookiesFrom(response: LightMyRequestResponse): string {
  return [response.headers['set-cookie'] ?? []]
    .flat()
    .map((cookie) => cookie.split(';')[0] ?? '')
    .filter((pair) => !pair.endsWith('='))
    .join('; ')
}

const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? ''

interface Client {
  readonly ip: string
  readonly userAgent?: string
}

/** Posts the sign-in form as a browser at `client.ip` would (its own pre-session cookie and CSRF token). */
async function postSignIn(
  tessera: Tessera,
  adminKey: string,
  client: Client,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const form = await tessera.server.inject({ method: 'GET', url: '/console/sign-in', remoteAddress: client.ip })
  return tessera.server.inject({
    method: 'POST',
    url: '/console/sign-in',
    remoteAddress: client.ip,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookiesFrom(form),
      ...(client.userAgent ? { 'user-agent': client.userAgent } : {}),
      ...headers,
    },
    payload: new URLSearchParams({ admin_key: adminKey, csrf: csrfOf(form.body) }).toString(),
  })
}

/** Signs in; answers the session's cookie header. */
async function signIn(tessera: Tessera, client: Client = { ip: '203.0.113.7' }): Promise<string> {
  const res = await postSignIn(tessera, TEST_ADMIN_KEY, client)
  expect(res.statusCode).toBe(303)
  return cookiesFrom(res)
}

const get = (tessera: Tessera, url: string, cookie: string) =>
  tessera.server.inject({ method: 'GET', url, headers: { cookie }, remoteAddress: '203.0.113.7' })

/** Posts a console form with the CSRF token of the page at `pageUrl`. */
async function postForm(tessera: Tessera, url: string, cookie: string, pageUrl = '/console/sessions') {
  const page = await get(tessera, pageUrl, cookie)
  return tessera.server.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: csrfOf(page.body) }).toString(),
  })
}

/** Whether the cookie opens a console page (else the console sends it to sign in). */
async function isSignedIn(tessera: Tessera, cookie: string): Promise<boolean> {
  const res = await get(tessera, '/console/apps', cookie)
  if (res.statusCode === 303) {
    expect(res.headers.location).toBe('/console/sign-in')
    return false
  }
  expect(res.statusCode).toBe(200)
  return true
}

/** The id of the row a sessions page marks "this session". */
const ownSessionId = (body: string) =>
  /data-session-id="([^"]+)"><td[^>]*>[^<]*<span class="badge approved">this session/.exec(body)?.[1]

const sessionIds = (body: string) => [...body.matchAll(/data-session-id="([^"]+)"/g)].map((match) => match[1] ?? '')

/** @see issue 13, part 7: console sessions stored server-side, listed, revocable; sign-in throttled per address. */
describe('console sessions', () => {
  let t: TestApp
  beforeEach(async () => {
    t = await createTestApp()
  })
  afterEach(async () => {
    await t.close()
  })

  it('keeps the cookie flags, and stores only a hash of the cookie’s secret', async () => {
    const res = await postSignIn(t.tessera, TEST_ADMIN_KEY, { ip: '203.0.113.7', userAgent: CHROME_UA })
    const setCookie = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('tessera_console='))
    // The flags, in whatever order the cookie serializer writes them.
    expect(setCookie?.split('; ').slice(1).sort()).toEqual([
      'HttpOnly',
      'Max-Age=28800',
      'Path=/console',
      'SameSite=Strict',
    ])
    const secret = decodeURIComponent(/^tessera_console=([^;]+)/.exec(setCookie ?? '')?.[1] ?? '')
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const rows = await t.tessera.store.consoleSessions.listActive(t.clock.nowMs(), 10)
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain(secret)
    expect(rows[0]).toMatchObject({ clientIpMasked: '203.0.113.*', userAgentSummary: 'Chrome 131 on Linux' })
  })

  it('lists every signed-in session with masked address and browser, marking this one', async () => {
    const mine = await signIn(t.tessera, { ip: '203.0.113.7', userAgent: CHROME_UA })
    await signIn(t.tessera, { ip: '2001:db8:aa:bb::5', userAgent: FIREFOX_UA })
    const page = await get(t.tessera, '/console/sessions', mine)
    expect(page.statusCode).toBe(200)
    expect(sessionIds(page.body)).toHaveLength(2)
    expect(page.body).toContain('203.0.113.*')
    expect(page.body).toContain('2001:db8:aa:*')
    expect(page.body).not.toContain('203.0.113.7')
    expect(page.body).toContain('Firefox 133 on Windows')
    expect(page.body.match(/this session/g)).toHaveLength(1)
    // The sidebar links the operator pages.
    expect(page.body).toContain('href="/console/sessions"')
    expect(page.body).toContain('href="/console/signing-keys"')
  })

  it('revokes one session: its cookie is refused at once, the others keep working', async () => {
    const mine = await signIn(t.tessera)
    const other = await signIn(t.tessera)
    // The other browser's own session, as its page marks it.
    const otherOwn = ownSessionId((await get(t.tessera, '/console/sessions', other)).body)
    expect(otherOwn).toBeDefined()
    expect(otherOwn).not.toBe(ownSessionId((await get(t.tessera, '/console/sessions', mine)).body))

    const revoked = await postForm(t.tessera, `/console/sessions/${otherOwn}/revoke`, mine)
    expect(revoked.statusCode).toBe(303)
    expect(revoked.headers.location).toBe('/console/sessions?done=revoked')
    expect(await isSignedIn(t.tessera, other)).toBe(false)
    expect(await isSignedIn(t.tessera, mine)).toBe(true)
    expect(sessionIds((await get(t.tessera, '/console/sessions', mine)).body)).toHaveLength(1)
  })

  it('refuses a revoke without the form’s CSRF token', async () => {
    const mine = await signIn(t.tessera)
    const other = await signIn(t.tessera)
    const ids = sessionIds((await get(t.tessera, '/console/sessions', mine)).body)
    for (const id of ids) {
      const forged = await t.tessera.server.inject({
        method: 'POST',
        url: `/console/sessions/${id}/revoke`,
        headers: { cookie: mine, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'csrf=forged',
      })
      expect(forged.statusCode).toBe(403)
    }
    const everywhere = await t.tessera.server.inject({
      method: 'POST',
      url: '/console/sessions/revoke-all',
      headers: { cookie: mine, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    })
    expect(everywhere.statusCode).toBe(403)
    expect(await isSignedIn(t.tessera, mine)).toBe(true)
    expect(await isSignedIn(t.tessera, other)).toBe(true)
  })

  it('signs out everywhere: every session, this one included, is refused; signing in again works', async () => {
    const sessions = [await signIn(t.tessera), await signIn(t.tessera), await signIn(t.tessera)]
    const res = await postForm(t.tessera, '/console/sessions/revoke-all', sessions[0] ?? '')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/console/sign-in')
    expect([res.headers['set-cookie'] ?? []].flat().join()).toMatch(/tessera_console=; .*Max-Age=0/)
    for (const cookie of sessions) expect(await isSignedIn(t.tessera, cookie)).toBe(false)
    expect(await t.tessera.store.consoleSessions.listActive(t.clock.nowMs(), 10)).toEqual([])
    expect(await isSignedIn(t.tessera, await signIn(t.tessera))).toBe(true)
  })

  it('sign-out revokes the session server-side: a copy of the cookie no longer works', async () => {
    const cookie = await signIn(t.tessera)
    const copy = cookie
    const out = await postForm(t.tessera, '/console/sign-out', cookie, '/console/apps')
    expect(out.statusCode).toBe(303)
    expect(await isSignedIn(t.tessera, copy)).toBe(false)
  })

  it('refuses a session once it expires, and the stateless cookie of earlier versions', async () => {
    const cookie = await signIn(t.tessera)
    t.clock.advanceSeconds(CONSOLE_SESSION_SECONDS - 1)
    expect(await isSignedIn(t.tessera, cookie)).toBe(true)
    t.clock.advanceSeconds(1)
    expect(await isSignedIn(t.tessera, cookie)).toBe(false)
    const legacy = `tessera_console=v1.${t.clock.nowMs() + 3600_000}.bm9uY2U.c2lnbmF0dXJl`
    expect(await isSignedIn(t.tessera, legacy)).toBe(false)
  })
})

describe('console sign-in throttling', () => {
  let t: TestApp
  beforeEach(async () => {
    t = await createTestApp()
  })
  afterEach(async () => {
    await t.close()
  })

  it(`refuses an address after ${SIGN_IN_FAILURES_PER_IP.max} wrong keys, with retry_after and Retry-After, even for the right key`, async () => {
    const attacker = { ip: '198.51.100.23' }
    for (let i = 0; i < SIGN_IN_FAILURES_PER_IP.max; i++) {
      expect((await postSignIn(t.tessera, `wrong-${i}`, attacker)).statusCode).toBe(401)
    }
    const page = await postSignIn(t.tessera, 'wrong-again', attacker)
    expect(page.statusCode).toBe(429)
    const retryAfter = Number(page.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_FAILURES_PER_IP.windowSeconds)
    expect(page.headers['content-type']).toContain('text/html')
    expect(page.body).toContain('Too many failed sign-ins')
    expect(page.body).toContain(`data-retry-after="${retryAfter}"`)

    const json = await postSignIn(t.tessera, 'wrong-again', attacker, { accept: 'application/json' })
    expect(json.statusCode).toBe(429)
    expect(json.json()).toMatchObject({ error: 'rate_limited', error_code: 4029, retry_after: expect.any(Number) })
    expect(json.headers['retry-after']).toBe(String(json.json().retry_after))

    // The budget holds against the right key too: a throttled address gets no verdict at all.
    const right = await postSignIn(t.tessera, TEST_ADMIN_KEY, attacker)
    expect(right.statusCode).toBe(429)
    expect([right.headers['set-cookie'] ?? []].flat().join()).not.toContain('tessera_console=')

    // Another address is not affected.
    expect((await postSignIn(t.tessera, TEST_ADMIN_KEY, { ip: '203.0.113.7' })).statusCode).toBe(303)
  })

  it('counts a parallel burst of wrong keys exactly: no more are judged than the budget allows', async () => {
    const attacker = { ip: '198.51.100.99' }
    const answers = await Promise.all(
      Array.from({ length: 3 * SIGN_IN_FAILURES_PER_IP.max }, (_, i) => postSignIn(t.tessera, `wrong-${i}`, attacker)),
    )
    const statuses = answers.map((answer) => answer.statusCode)
    expect(statuses.filter((status) => status === 401)).toHaveLength(SIGN_IN_FAILURES_PER_IP.max)
    expect(statuses.filter((status) => status === 429)).toHaveLength(2 * SIGN_IN_FAILURES_PER_IP.max)
  })

  it('does not count successful sign-ins', async () => {
    const operator = { ip: '203.0.113.8' }
    for (let i = 0; i < SIGN_IN_FAILURES_PER_IP.max + 2; i++) {
      expect((await postSignIn(t.tessera, TEST_ADMIN_KEY, operator)).statusCode).toBe(303)
    }
    // …and the failures budget is still whole after them.
    for (let i = 0; i < SIGN_IN_FAILURES_PER_IP.max; i++) {
      expect((await postSignIn(t.tessera, 'typo', operator)).statusCode).toBe(401)
    }
    expect((await postSignIn(t.tessera, 'typo', operator)).statusCode).toBe(429)
  })

  it('counts IPv6 addresses of one /56 together', async () => {
    for (let i = 0; i < SIGN_IN_FAILURES_PER_IP.max; i++) {
      expect((await postSignIn(t.tessera, 'wrong', { ip: `2001:db8:1:2${i.toString(16)}::${i + 1}` })).statusCode).toBe(
        401,
      )
    }
    expect((await postSignIn(t.tessera, 'wrong', { ip: '2001:db8:1:ff::1' })).statusCode).toBe(429)
  })
})

/** @see issue 13, part 7: "refused at once on every instance". */
describe('console sessions across instances', () => {
  let shared: SharedDatabaseInstances
  beforeEach(async () => {
    shared = await createSharedDatabaseInstances(2)
  })
  afterEach(async () => {
    await shared.close()
  })

  it('a session signed in on one instance works on the other, and a revocation on either holds on both at once', async () => {
    const [a, b] = shared.instances
    if (!a || !b) throw new Error('two instances')
    const first = await signIn(a)
    const second = await signIn(b)
    expect(await isSignedIn(b, first)).toBe(true)
    expect(sessionIds((await get(a, '/console/sessions', first)).body)).toHaveLength(2)

    const ownOnB = ownSessionId((await get(b, '/console/sessions', second)).body)
    expect((await postForm(a, `/console/sessions/${ownOnB}/revoke`, first)).statusCode).toBe(303)
    expect(await isSignedIn(b, second)).toBe(false)
    expect(await isSignedIn(a, second)).toBe(false)

    const third = await signIn(a)
    expect((await postForm(b, '/console/sessions/revoke-all', first)).statusCode).toBe(303)
    expect(await isSignedIn(a, third)).toBe(false)
    expect(await isSignedIn(a, first)).toBe(false)
  })
})
