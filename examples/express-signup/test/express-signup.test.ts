import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Tessera, TesseraAdmin } from '@tessera/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newPhone, type RunningTessera, startTessera } from '../../../packages/client/test/helpers/tessera-server.js'
import { csrfOf, type PageClient, pageClient } from '../../../packages/server/test/e2e/helpers/page-client.js'
import { createSignupApp } from '../src/signup-app.js'

// The example app end to end: a real Tessera process from this repo, the example listening on a port, and a
// person (a cookie-keeping HTTP client) going through the example's pages and Tessera's hosted page, with the
// SMS read from Tessera's signed SMS webhook.

let tessera: RunningTessera
let example: Server
let exampleUrl: string

beforeAll(async () => {
  tessera = await startTessera()
  const client = new Tessera({ baseUrl: tessera.url, apiKey: tessera.apiKey })
  example = createSignupApp({ tessera: client, publicUrl: () => exampleUrl }).listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => example.once('listening', () => resolve()))
  exampleUrl = `http://127.0.0.1:${(example.address() as AddressInfo).port}`
  // The operator registers the example's return address (README: settings.redirect_urls).
  const admin = new TesseraAdmin({ baseUrl: tessera.url, adminKey: tessera.adminKey })
  await admin.apps.update(tessera.appId, { settings: { redirect_urls: [`${exampleUrl}/signup/done`] } })
})

afterAll(async () => {
  await new Promise((resolve) => example?.close(resolve))
  await tessera?.stop()
})

/** Signs a new person up through the hosted page; answers their cookie jar on the example and their phone. */
async function signUp(): Promise<{ person: PageClient; phone: string }> {
  const person = pageClient(exampleUrl)
  const phone = newPhone()
  const started = await person.post('/signup', {})
  expect(started.status).toBe(303)
  const hostedUrl = new URL(started.headers.get('location') ?? '')
  expect(hostedUrl.origin).toBe(tessera.url)

  const hosted = pageClient(tessera.url)
  const entry = await hosted.get(hostedUrl.pathname)
  expect(entry.status).toBe(200)
  const sent = await hosted.post(`${hostedUrl.pathname}/start`, {
    csrf: csrfOf(entry.text),
    channel: 'sms',
    country: 'US',
    phone: phone.slice(2),
  })
  expect(sent.status).toBe(303)
  const codePage = await hosted.get(hostedUrl.pathname)
  const verified = await hosted.post(`${hostedUrl.pathname}/verify`, {
    csrf: csrfOf(codePage.text),
    code: await tessera.codeSentTo(phone),
  })
  expect(verified.status).toBe(303)
  const back = new URL(verified.headers.get('location') ?? '')
  expect(`${back.origin}${back.pathname}`).toBe(`${exampleUrl}/signup/done`)
  // No token in any URL: the redirect carries a one-time code that the example exchanges.
  expect(back.searchParams.has('verification_token')).toBe(false)

  const done = await person.get(`${back.pathname}${back.search}`)
  expect(done.status, done.text).toBe(303)
  expect(done.headers.get('location')).toBe('/account')
  return { person, phone }
}

describe('examples/express-signup against a real Tessera', () => {
  it('signs a person up with the hosted page: session → redirect → exchange → consume', async () => {
    const { person, phone } = await signUp()
    const account = await person.get('/account')
    expect(account.status).toBe(200)
    expect(account.text).toContain(phone.slice(-4))
    expect(tessera.sentTo(phone)).toBe(1)
  })

  it('refuses a redirect that does not belong to the browser (another state)', async () => {
    const person = pageClient(exampleUrl)
    await person.post('/signup', {})
    const forged = await person.get('/signup/done?code=abc&state=not-mine&session_id=ses_x')
    expect(forged.status).toBe(400)
  })

  it('protects account deletion with a step-up token, which works once', async () => {
    const { person, phone } = await signUp()
    const withoutToken = await person.post('/account/delete', {})
    expect(withoutToken.status).toBe(401)
    expect(JSON.parse(withoutToken.text)).toMatchObject({ error: 'unauthorized', error_code: 4010 })

    const codeForm = await person.post('/account/step-up', {})
    expect(codeForm.status).toBe(200)
    const verificationId = /name="verification_id" value="([^"]+)"/.exec(codeForm.text)?.[1] ?? ''
    const code = await tessera.codeSentTo(phone)
    expect(tessera.sentTo(phone)).toBe(2)
    const wrong = await person.post('/account/step-up/verify', {
      verification_id: verificationId,
      verification_code: code.startsWith('0') ? `1${code.slice(1)}` : `0${code.slice(1)}`,
    })
    expect(wrong.status).toBe(400)
    expect(wrong.text).toContain('4 tries left')
    const confirm = await person.post('/account/step-up/verify', {
      verification_id: verificationId,
      verification_code: code,
    })
    expect(confirm.status).toBe(200)
    const token = /name="verification_token" value="([^"]+)"/.exec(confirm.text)?.[1] ?? ''

    // A signup token is not a step-up token; another person's step-up token is not this person's.
    const other = await signUp()
    const stolen = await other.person.post('/account/delete', { verification_token: token })
    expect(stolen.status).toBe(403)

    // The stolen attempt consumed it: single use holds even against its owner now. A fresh one works.
    expect((await person.post('/account/delete', { verification_token: token })).status).toBe(401)
    const again = await person.post('/account/step-up', {})
    const againId = /name="verification_id" value="([^"]+)"/.exec(again.text)?.[1] ?? ''
    const fresh = await person.post('/account/step-up/verify', {
      verification_id: againId,
      verification_code: await tessera.codeSentTo(phone),
    })
    const freshToken = /name="verification_token" value="([^"]+)"/.exec(fresh.text)?.[1] ?? ''
    const deleted = await person.post('/account/delete', { verification_token: freshToken })
    expect(deleted.status).toBe(200)
    expect(deleted.text).toContain('deleted')
    expect((await person.post('/account/delete', { verification_token: freshToken })).status).toBe(401)
    expect((await person.get('/account')).status).toBe(303)
  })
})
