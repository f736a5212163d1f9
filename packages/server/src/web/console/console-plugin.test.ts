import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { signInToConsole } from '../../../test/helpers/console-session.js'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'

let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

function post(url: string, session: { cookie: string }, fields: Record<string, string>, accept?: string) {
  return t.tessera.server.inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: session.cookie,
      ...(accept ? { accept } : {}),
    },
    payload: new URLSearchParams(fields).toString(),
  })
}

const get = (url: string, session: { cookie: string }) =>
  t.tessera.server.inject({ method: 'GET', url, headers: { cookie: session.cookie } })

describe('the console plugin’s signed-in scope', () => {
  it('sends anyone without a session to the sign-in page, forms included', async () => {
    const { appId } = await t.createApp()
    for (const [method, url] of [
      ['GET', '/console'],
      ['GET', `/console/apps/${appId}/settings`],
      ['POST', `/console/apps/${appId}/keys`],
      ['POST', '/console/sign-out'],
    ] as const) {
      const res = await t.tessera.server.inject({
        method,
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'tessera_console=forged' },
        payload: method === 'POST' ? 'name=x' : undefined,
      })
      expect(res.statusCode, url).toBe(303)
      expect(res.headers.location).toBe('/console/sign-in')
    }
  })

  it('refuses a form without its session’s CSRF token, and accepts it with', async () => {
    const session = await signInToConsole(t.tessera.server)
    const refused = await post('/console/apps', session, { name: 'Shop' })
    expect(refused.statusCode).toBe(403)
    expect(refused.body).toContain('Form expired')
    const other = await signInToConsole(t.tessera.server)
    expect((await post('/console/apps', session, { name: 'Shop', csrf: other.csrf })).statusCode).toBe(403)
    const created = await post('/console/apps', session, { name: 'Shop', csrf: session.csrf })
    expect(created.statusCode).toBe(303)
    expect(created.headers.location).toMatch(/^\/console\/apps\/app_[0-9a-z]+\/keys\?created=1$/)
  })

  it('renders an AppError as the page of its area', async () => {
    const session = await signInToConsole(t.tessera.server)
    const { appId } = await t.createApp()

    const badName = await post('/console/apps', session, { name: ' ', csrf: session.csrf })
    expect(badName.statusCode).toBe(400)
    expect(badName.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(badName.body).toContain(
      '<div class="alert error" role="alert">name must be 1–100 printable characters.</div>',
    )
    expect(badName.body).toContain('<h1>Apps</h1>')

    const noKey = await post(`/console/apps/${appId}/keys/key_unknown/revoke`, session, { csrf: session.csrf })
    expect(noKey.statusCode).toBe(404)
    expect(noKey.body).toContain('No such active key.')
    expect(noKey.body).toContain('id="create-key"')

    const noApp = await get('/console/apps/app_unknown/keys', session)
    expect(noApp.statusCode).toBe(404)
    expect(noApp.body).toContain('No such app.')
    expect(noApp.body).toContain('<h1>Apps</h1>')

    const noVerification = await get(`/console/apps/${appId}/verifications/ver_unknown`, session)
    expect(noVerification.statusCode).toBe(404)
    expect(noVerification.body).toContain('No such verification.')

    const scene = await post(`/console/apps/${appId}/templates`, session, {
      csrf: session.csrf,
      channel: 'sms',
      scene: 'Not A Scene',
      locale: 'en',
      text: 'Code {code}',
      action: 'save',
    })
    expect(scene.statusCode).toBe(400)
    expect(scene.body).toContain('id="preview-error">The scene is not valid.</div>')
    expect(scene.body).toContain('value="Not A Scene"')
  })

  it('keeps the template preview’s errors in the contract’s JSON, an unknown app included', async () => {
    const session = await signInToConsole(t.tessera.server)
    const { appId } = await t.createApp()
    const preview = (id: string, fields: Record<string, string>) =>
      post(`/console/apps/${id}/templates/preview`, session, { csrf: session.csrf, ...fields })

    const ok = await preview(appId, { channel: 'sms', scene: '*', locale: 'en', text: 'Your code: {code}' })
    expect(ok.statusCode).toBe(200)
    expect(ok.json().text).toMatch(/^Your code: \d+$/)

    const noApp = await preview('app_unknown', { channel: 'sms' })
    expect(noApp.statusCode).toBe(404)
    expect(noApp.json()).toEqual({
      error: 'not_found',
      error_code: expect.any(Number),
      error_description: 'No such app.',
    })

    const noCode = await preview(appId, { channel: 'sms', scene: '*', locale: 'en', text: 'no code here' })
    expect(noCode.statusCode).toBe(400)
    expect(noCode.json()).toMatchObject({ error: 'invalid_request' })
    expect(noCode.json().error_description).toContain('must contain {code}')
  })

  it('answers a NUL in a form as the contract’s JSON error, before any page', async () => {
    const session = await signInToConsole(t.tessera.server)
    const res = await post('/console/apps', session, { name: 'a\u0000b', csrf: session.csrf })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request' })
  })
})

describe('the settings form', () => {
  it('shows each problem beside its field, from the error itself', async () => {
    const session = await signInToConsole(t.tessera.server)
    const { appId } = await t.createApp()
    const form = await get(`/console/apps/${appId}/settings`, session)
    const fields = new URLSearchParams()
    for (const match of form.body.matchAll(/<(?:input|textarea|select)[^>]* name="(s\.[^"]+)"[^>]*>/g)) {
      const tag = match[0]
      const value = /value="([^"]*)"/.exec(tag)?.[1]
      if (tag.startsWith('<input') && /type="checkbox"/.test(tag) && !/ checked/.test(tag)) continue
      if (tag.startsWith('<input')) fields.append(match[1] ?? '', value ?? '')
    }
    for (const match of form.body.matchAll(/<textarea[^>]* name="(s\.[^"]+)"[^>]*>([^<]*)<\/textarea>/g)) {
      fields.set(
        match[1] ?? '',
        (match[2] ?? '').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&'),
      )
    }
    for (const match of form.body.matchAll(/<select[^>]* name="(s\.[^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
      fields.set(match[1] ?? '', /<option selected>([^<]*)</.exec(match[2] ?? '')?.[1] ?? '')
    }
    fields.set('csrf', session.csrf)
    const submit = (changes: Record<string, string>) => {
      const body = new URLSearchParams(fields)
      for (const [name, value] of Object.entries(changes)) body.set(name, value)
      return t.tessera.server.inject({
        method: 'POST',
        url: `/console/apps/${appId}/settings`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
        payload: body.toString(),
      })
    }

    const tooLong = await submit({ 's.channels.sms.code_length': '99' })
    expect(tooLong.statusCode).toBe(400)
    expect(tooLong.body).toContain('Some settings are not valid; see the fields marked below.')
    expect(tooLong.body).toMatch(/<p class="field-error" id="f-channels-sms-code_length-error">[^<]+<\/p>/)
    // Shown as submitted, not as saved.
    expect(tooLong.body).toMatch(/id="f-channels-sms-code_length" name="s.channels.sms.code_length" value="99"/)

    // A problem the schema does not find (an origin with credentials) is marked beside its field too.
    const withPath = await submit({ 's.web_origin': 'https://user:pw@example.com' })
    expect(withPath.statusCode).toBe(400)
    expect(withPath.body).toContain('Some settings are not valid; see the fields marked below.')
    expect(withPath.body).toContain(
      '<p class="field-error" id="f-web_origin-error">must be an origin such as https://example.com (scheme and host, no path)</p>',
    )

    const saved = await submit({ 's.web_origin': 'https://example.com' })
    expect(saved.statusCode).toBe(303)
    expect(saved.headers.location).toBe(`/console/apps/${appId}/settings?saved=1`)
  })

  it('keeps the admin API’s error body as it was: the problems are in the message, not beside it', async () => {
    const { appId } = await t.createApp()
    const res = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      key: TEST_ADMIN_KEY,
      body: { settings: { channels: { sms: { code_length: 99 } }, web_origin: 'nope' } },
    })
    expect(res.statusCode).toBe(400)
    expect(Object.keys(res.json()).sort()).toEqual(['error', 'error_code', 'error_description'])
    expect(res.json().error_description).toMatch(/^Invalid settings — settings\.channels\.sms\.code_length: /)
  })
})

describe('the verification page', () => {
  it('lists that verification’s events however many newer events the app has', async () => {
    const session = await signInToConsole(t.tessera.server)
    const { appId, key } = await t.createApp()
    const started = await t.request('POST', '/v1/verifications', { key, body: { channel: 'sms', to: '+14155552671' } })
    const id = started.json().verification_id as string
    const wrong = t.capture.lastCode() === '000000' ? '111111' : '000000'
    const check = await t.request('POST', '/v1/verifications/verify', {
      key,
      body: { verification_id: id, verification_code: wrong },
    })
    expect(check.statusCode).toBe(400)
    // 250 newer events of other verifications: more than the page lists.
    t.clock.advanceSeconds(1)
    for (let i = 0; i < 250; i++) {
      await t.tessera.store.events.insert({
        id: `evt_other_${String(i).padStart(4, '0')}`,
        appId,
        kind: 'delivery.sent',
        verificationId: `ver_other_${i}`,
        identifierMasked: null,
        clientIp: null,
        details: null,
        createdAt: t.clock.nowMs() + i,
      })
    }
    const res = await get(`/console/apps/${appId}/verifications/${id}`, session)
    expect(res.statusCode).toBe(200)
    const events = res.body.slice(res.body.indexOf('<h2 class="spaced">Events</h2>'))
    expect(events).toContain('verification.attempt_failed')
    expect(events).not.toContain('ver_other_')
  })
})

describe('test recipients in the console', () => {
  it('mark test verifications, and flag apps that hold test recipients — loudest when allowed in production', async () => {
    const session = await signInToConsole(t.tessera.server)
    const reviewer = { to: '+447400123499', code: '424242' }
    const quiet = await t.createApp({ test_recipients: [reviewer] }, 'Staging')
    const loud = await t.createApp(
      { test_recipients: [reviewer], allow_test_recipients_in_production: true },
      'Store review',
    )
    const plain = await t.createApp({}, 'Plain')
    const started = await t.request('POST', '/v1/verifications', {
      key: quiet.key,
      body: { channel: 'sms', to: reviewer.to },
    })
    const id = started.json().verification_id as string

    const list = await get(`/console/apps/${quiet.appId}/verifications`, session)
    expect(list.body).toMatch(new RegExp(`${id}.*<span class="badge test">test</span>`))
    const page = await get(`/console/apps/${quiet.appId}/verifications/${id}`, session)
    expect(page.body).toContain('test recipient: nothing sent, fixed code')
    expect(page.body).toContain('verification.started')
    expect(page.body).toContain('<span class="badge test"')
    expect(page.body).not.toContain('allows test recipients in production')

    const loudPage = await get(`/console/apps/${loud.appId}/verifications`, session)
    expect(loudPage.body).toContain('test recipients in production')
    expect(loudPage.body).toMatch(/class="alert warn"[^>]*>This app allows test recipients in production/)
    const plainPage = await get(`/console/apps/${plain.appId}/verifications`, session)
    expect(plainPage.body).not.toContain('test recipients')

    const apps = await get('/console/apps', session)
    const rowOf = (name: string) =>
      apps.body
        .split('<tr>')
        .slice(1)
        .find((row) => row.includes(`>${name}</a>`)) ?? ''
    expect(rowOf('Store review')).toContain('test recipients in production')
    expect(rowOf('Staging')).toContain('<span class="badge test"')
    expect(rowOf('Plain')).not.toContain('badge')
  })
})

describe('the console’s assets', () => {
  it('serves its own stylesheet and script, cached an hour, and nothing else', async () => {
    const css = await t.tessera.server.inject({ method: 'GET', url: '/console/assets/console.css' })
    expect(css.statusCode).toBe(200)
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    expect(css.headers['cache-control']).toBe('public, max-age=3600')
    expect(css.body).toContain('.sidebar')
    const js = await t.tessera.server.inject({ method: 'GET', url: '/console/assets/console.js' })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toMatch(/^(text|application)\/javascript; charset=utf-8$/)
    for (const url of ['/console/assets/hosted.css', '/console/assets/../console-plugin.ts', '/console/assets/']) {
      const res = await t.tessera.server.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
    }
  })
})
