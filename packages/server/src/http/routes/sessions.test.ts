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

const browser = () => hostedBrowser(t)

async function session(settings: Record<string, unknown>, body: Record<string, unknown>) {
  const { key } = await t.createApp({ redirect_urls: [REDIRECT], ...settings })
  const created = await t.request('POST', '/v1/sessions', { key, body: { redirect_url: REDIRECT, ...body } })
  return { key, created }
}

describe('POST /v1/sessions', () => {
  it('answers session_id, url and expires_at for a registered redirect URL', async () => {
    const { created } = await session({}, { channel: 'sms', state: 'xyz' })
    expect(created.statusCode).toBe(201)
    const body = created.json<{ session_id: string; url: string; expires_at: string }>()
    expect(body.session_id).toMatch(/^ses_/)
    expect(body.url).toBe(`http://tessera.test/hosted/${body.session_id}`)
    expect(Date.parse(body.expires_at)).toBeGreaterThan(t.clock.nowMs())
  })

  it('refuses a redirect URL the app has not registered (exact match only)', async () => {
    const { created } = await session({}, { channel: 'sms', redirect_url: `${REDIRECT}/extra` })
    expect(created.statusCode).toBe(400)
    expect(created.json().error).toBe('invalid_request')
  })

  it('refuses a registered redirect URL that is plain http off localhost', async () => {
    const app = await t.request('POST', '/admin/v1/apps', {
      key: 'tadm_test_admin_key_0123456789abcdef',
      body: { name: 'X', settings: { redirect_urls: ['http://evil.example.com/cb'] } },
    })
    expect(app.statusCode).toBe(400)
  })

  it('refuses a channel the scene does not allow', async () => {
    const { created } = await session(
      { scenes: { checkout: { allowed_types: ['sms'] } } },
      { channel: ['sms', 'email'], scene: 'checkout' },
    )
    // The same answer as POST /v1/verifications for that scene and channel.
    expect(created.statusCode).toBe(403)
    expect(created.json().error).toBe('factor_not_allowed')
  })

  it('needs an app key', async () => {
    const response = await t.request('POST', '/v1/sessions', { body: { channel: 'sms', redirect_url: REDIRECT } })
    expect(response.statusCode).toBe(401)
  })
})

describe('hosted pages', () => {
  it('run the SMS flow through the core: wrong code, then right code, then a 303 to redirect_url', async () => {
    const { created } = await session({}, { channel: 'sms', state: 'st-1' })
    const { session_id: id } = created.json<{ session_id: string }>()
    const b = browser()
    const entry = await b.get(`/hosted/${id}`)
    expect(entry.statusCode).toBe(200)
    expect(entry.headers['content-security-policy']).toContain("script-src 'nonce-")
    expect(entry.headers['content-security-policy']).not.toContain('unsafe-inline')
    expect(entry.body).toContain('name="phone"')

    const started = await b.post(`/hosted/${id}/start`, {
      csrf: csrfOf(entry.body),
      channel: 'sms',
      country: 'US',
      phone: '(415) 555-2671',
    })
    expect(started.statusCode).toBe(303)
    const codePage = await b.get(`/hosted/${id}`)
    expect(codePage.body).toContain('autocomplete="one-time-code"')
    expect(codePage.body).toContain('inputmode="numeric"')
    const code = t.capture.lastCode('+14155552671')

    const wrong = await b.post(`/hosted/${id}/verify`, {
      csrf: csrfOf(codePage.body),
      code: code === '000000' ? '111111' : '000000',
    })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.body).toContain('Tries left: 4')

    const right = await b.post(`/hosted/${id}/verify`, { csrf: csrfOf(wrong.body), code })
    expect(right.statusCode).toBe(303)
    const target = new URL(String(right.headers.location))
    expect(`${target.origin}${target.pathname}`).toBe(REDIRECT)
    expect(target.searchParams.get('state')).toBe('st-1')
    expect(target.searchParams.get('verification_token')).toMatch(/^ey/)
  })

  it('refuses a form without the CSRF token, and sends nothing', async () => {
    const { created } = await session({}, { channel: 'email' })
    const { session_id: id } = created.json<{ session_id: string }>()
    const b = browser()
    await b.get(`/hosted/${id}`)
    const forged = await b.post(`/hosted/${id}/start`, { csrf: 'forged', channel: 'email', email: 'a@example.com' })
    expect(forged.statusCode).toBe(403)
    expect(t.capture.messages).toHaveLength(0)
  })

  it('speaks the session locale, with dir=rtl for Arabic', async () => {
    const { created } = await session({}, { channel: 'sms', locale: 'ar' })
    const page = await browser().get(`/hosted/${created.json<{ session_id: string }>().session_id}`)
    expect(page.body).toContain('<html lang="ar" dir="rtl">')
  })

  it('falls back to Accept-Language, then the app default', async () => {
    const { created } = await session({ default_locale: 'de' }, { channel: 'email' })
    const id = created.json<{ session_id: string }>().session_id
    expect((await browser().get(`/hosted/${id}`, { 'accept-language': 'fr-CA,fr;q=0.9' })).body).toContain('lang="fr"')
    expect((await browser().get(`/hosted/${id}`, { 'accept-language': 'xx' })).body).toContain('lang="de"')
  })

  it('approve by magic link only on POST: the GET shows a button and approves nothing', async () => {
    const { key, created } = await session({ email_magic_link: true }, { channel: 'email', state: 's' })
    const id = created.json<{ session_id: string }>().session_id
    const b = browser()
    const entry = await b.get(`/hosted/${id}`)
    await b.post(`/hosted/${id}/start`, { csrf: csrfOf(entry.body), channel: 'email', email: 'ann@example.com' })
    const message = t.capture.messages.at(-1)
    const link = /(http:\/\/tessera\.test\/hosted\/\S+\/confirm\?t=[A-Za-z0-9_-]+)/.exec(message?.text ?? '')?.[1]
    expect(link).toBeDefined()
    const path = new URL(link ?? '').pathname + new URL(link ?? '').search

    const scanner = browser()
    const prefetch = await scanner.get(path)
    expect(prefetch.statusCode).toBe(200)
    const status = await b.get(`/hosted/${id}`)
    expect(status.body).toContain('name="code"')

    const person = browser()
    const confirmPage = await person.get(path)
    const approved = await person.post(`/hosted/${id}/confirm`, {
      csrf: csrfOf(confirmPage.body),
      t: new URL(link ?? '').searchParams.get('t') ?? '',
    })
    expect(approved.statusCode).toBe(303)
    const token = new URL(String(approved.headers.location)).searchParams.get('verification_token')
    const introspection = await t.request('POST', '/v1/tokens/verify', { key, body: { verification_token: token } })
    expect(introspection.json().active).toBe(true)

    const again = await person.post(`/hosted/${id}/confirm`, {
      csrf: csrfOf(confirmPage.body),
      t: new URL(link ?? '').searchParams.get('t') ?? '',
    })
    expect(again.statusCode).not.toBe(303)
  })

  it('with email_link_only, email the link instead of the code; the page waits for the click', async () => {
    const { key, created } = await session(
      { email_magic_link: true, email_link_only: true, default_locale: 'fr' },
      { channel: 'email' },
    )
    const id = created.json<{ session_id: string }>().session_id
    const b = browser()
    const entry = await b.get(`/hosted/${id}`)
    await b.post(`/hosted/${id}/start`, { csrf: csrfOf(entry.body), channel: 'email', email: 'ann@example.com' })
    const message = t.capture.messages.at(-1)
    expect(message?.text).not.toContain(message?.values.code)
    expect(message?.html).not.toContain(message?.values.code)
    expect(message?.subject).toContain('confirmez')
    const link = /(http:\/\/tessera\.test\/hosted\/\S+\/confirm\?t=[A-Za-z0-9_-]+)/.exec(message?.text ?? '')?.[1] ?? ''
    expect(link).not.toBe('')
    const waiting = await b.get(`/hosted/${id}`)
    expect(waiting.body).not.toContain('name="code"')
    expect(waiting.body).toContain('Consultez vos e-mails')
    const person = browser()
    const confirmPage = await person.get(new URL(link).pathname + new URL(link).search)
    const approved = await person.post(`/hosted/${id}/confirm`, {
      csrf: csrfOf(confirmPage.body),
      t: new URL(link).searchParams.get('t') ?? '',
    })
    expect(approved.statusCode).toBe(303)
    const token = new URL(String(approved.headers.location)).searchParams.get('verification_token')
    const introspection = await t.request('POST', '/v1/tokens/verify', { key, body: { verification_token: token } })
    expect(introspection.json().active).toBe(true)
  })

  it('send a new link with a resend; the previous link stops working', async () => {
    const { created } = await session({ email_magic_link: true }, { channel: 'email' })
    const id = created.json<{ session_id: string }>().session_id
    const b = browser()
    const entry = await b.get(`/hosted/${id}`)
    await b.post(`/hosted/${id}/start`, { csrf: csrfOf(entry.body), channel: 'email', email: 'ann@example.com' })
    const linkIn = (text: string | undefined) => /\/confirm\?t=([A-Za-z0-9_-]+)/.exec(text ?? '')?.[1] ?? ''
    const first = linkIn(t.capture.messages.at(-1)?.text)
    t.clock.advanceSeconds(31)
    const codePage = await b.get(`/hosted/${id}`)
    expect((await b.post(`/hosted/${id}/resend`, { csrf: csrfOf(codePage.body) })).statusCode).toBe(303)
    const second = linkIn(t.capture.messages.at(-1)?.text)
    expect(second).not.toBe('')
    expect(second).not.toBe(first)

    const stale = await b.get(`/hosted/${id}/confirm?t=${first}`)
    expect(stale.statusCode).toBe(410)
    expect(stale.body).not.toContain('name="t"')
    const fresh = await b.get(`/hosted/${id}/confirm?t=${second}`)
    expect(fresh.statusCode).toBe(200)
    const refused = await b.post(`/hosted/${id}/confirm`, { csrf: csrfOf(fresh.body), t: first })
    expect(refused.statusCode).not.toBe(303)
    const approved = await b.post(`/hosted/${id}/confirm`, { csrf: csrfOf(fresh.body), t: second })
    expect(approved.statusCode).toBe(303)
  })

  it('show an expired page once the session has expired', async () => {
    const { created } = await session({}, { channel: 'sms' })
    const id = created.json<{ session_id: string }>().session_id
    t.clock.advanceSeconds(31 * 60)
    const page = await browser().get(`/hosted/${id}`)
    expect(page.statusCode).toBe(410)
  })

  it('answer an unknown session with a 404 page', async () => {
    const page = await browser().get('/hosted/ses_nope')
    expect(page.statusCode).toBe(404)
    expect(page.headers['content-type']).toContain('text/html')
  })
})
