import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'
import { csrfOf, hostedBrowser } from '../../../test/helpers/hosted-browser.js'

const REDIRECT = 'https://app.example.com/verified'

let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

async function newSession(body: Record<string, unknown> = { channel: 'email' }): Promise<string> {
  const { key } = await t.createApp({ redirect_urls: [REDIRECT] })
  const created = await t.request('POST', '/v1/sessions', { key, body: { redirect_url: REDIRECT, ...body } })
  expect(created.statusCode).toBe(201)
  return created.json<{ session_id: string }>().session_id
}

describe('the hosted plugin', () => {
  it('sets its CSRF cookie HttpOnly, SameSite=Lax, for /hosted/ only', async () => {
    const id = await newSession()
    const page = await t.tessera.server.inject({ method: 'GET', url: `/hosted/${id}` })
    const cookie = [page.headers['set-cookie'] ?? []].flat().find((line) => line.startsWith('tessera_hosted='))
    expect(cookie?.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Path=/hosted/', 'SameSite=Lax'])
    expect(cookie?.split('; ')[0]).toMatch(/^tessera_hosted=[A-Za-z0-9_-]{32}$/)
  })

  it('answers a step the core refuses with the session’s page and the reason (the scope’s error handler)', async () => {
    const id = await newSession()
    const b = hostedBrowser(t)
    const entry = await b.get(`/hosted/${id}`)
    expect(
      (await b.post(`/hosted/${id}/start`, { csrf: csrfOf(entry.body), channel: 'email', email: 'ada@example.com' }))
        .statusCode,
    ).toBe(303)
    const codePage = await b.get(`/hosted/${id}`)
    // At once: the resend cooldown refuses it; the page is the code step with the cooldown's words.
    const early = await b.post(`/hosted/${id}/resend`, { csrf: csrfOf(codePage.body) })
    expect(early.statusCode).toBe(429)
    expect(early.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(early.body).toContain('autocomplete="one-time-code"')
    expect(early.body).toMatch(
      /<div id="alert" class="alert error" role="alert" aria-live="polite">[^<]+\d+[^<]*<\/div>/,
    )
    expect(t.capture.messages).toHaveLength(1)

    const typo = await b.post(`/hosted/${id}/restart`, { csrf: csrfOf(early.body) })
    expect(typo.statusCode).toBe(303)
    const again = await b.get(`/hosted/${id}`)
    const invalid = await b.post(`/hosted/${id}/start`, {
      csrf: csrfOf(again.body),
      channel: 'email',
      email: 'not-an-email',
    })
    expect(invalid.statusCode).toBe(400)
    // The identifier step again, as typed.
    expect(invalid.body).toContain('value="not-an-email"')
    expect(invalid.body).toContain('aria-invalid="true"')
  })

  it('answers an unknown session with the not-found page, for forms too', async () => {
    for (const [method, url] of [
      ['GET', '/hosted/ses_unknown'],
      ['POST', '/hosted/ses_unknown/start'],
      ['GET', '/hosted/ses_unknown/confirm?t=x'],
    ] as const) {
      const res = await t.tessera.server.inject({
        method,
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: method === 'POST' ? 'csrf=x' : undefined,
      })
      expect(res.statusCode, url).toBe(404)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    }
  })

  it('answers a NUL in a form as the contract’s JSON error, before any page', async () => {
    const id = await newSession()
    const res = await t.tessera.server.inject({
      method: 'POST',
      url: `/hosted/${id}/verify`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'code=1%002',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('serves its stylesheet, script and the phone library, cached an hour, and nothing else', async () => {
    for (const [url, type, sample] of [
      ['/hosted/assets/hosted.css', /^text\/css; charset=utf-8$/, '--brand'],
      ['/hosted/assets/hosted.js', /^(text|application)\/javascript; charset=utf-8$/, 'addEventListener'],
      ['/hosted/assets/libphonenumber.js', /^(text|application)\/javascript; charset=utf-8$/, 'libphonenumber'],
    ] as const) {
      const res = await t.tessera.server.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type']).toMatch(type)
      expect(res.headers['cache-control']).toBe('public, max-age=3600')
      expect(res.body).toContain(sample)
    }
    for (const url of ['/hosted/assets/console.css', '/hosted/assets/../hosted-plugin.ts']) {
      const res = await t.tessera.server.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
    }
  })
})
