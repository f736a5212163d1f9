import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'
import { csrfOf, hostedBrowser } from '../../../test/helpers/hosted-browser.js'

// A hosted passkey enrolment for a user who already has an email factor: the page asks for a step-up by a code
// to that inbox first, and only then offers to create the passkey (whose options the ceremony route answers).
// The ceremony itself runs in test/browser/passkeys.test.ts with Chromium's virtual authenticator.

const REDIRECT = 'https://app.example.com/added'
let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

describe('hosted passkey enrolment', () => {
  it('steps up with a code to the user’s inbox, then answers the creation options', async () => {
    const { key } = await t.createApp({ redirect_urls: [REDIRECT] })
    const bound = await t.request('POST', '/v1/users/u_ada/factors', {
      key,
      body: { type: 'email', to: 'ada@example.com' },
    })
    const activated = await t.request('POST', `/v1/users/u_ada/factors/${bound.json().factor_id}/activate`, {
      key,
      body: { verification_code: t.capture.lastCode('ada@example.com') },
    })
    expect(activated.statusCode).toBe(200)
    const created = await t.request('POST', '/v1/sessions', {
      key,
      body: { purpose: 'enroll', type: 'passkey', user_id: 'u_ada', redirect_url: REDIRECT },
    })
    const id = created.json().session_id
    const b = hostedBrowser(t)

    const stepUp = await b.get(`/hosted/${id}`)
    expect(stepUp.body).toContain('Confirm it’s you')
    expect(stepUp.body).toContain('Send a code to a***@e***.com')
    // Without the step-up, the ceremony is a step-up by a passkey the user does not have: nothing to create yet.
    const early = await b.post(`/hosted/${id}/ceremony/options`, { csrf: csrfOf(stepUp.body) })
    expect(early.statusCode).toBeGreaterThanOrEqual(400)

    const factorId = /name="factor_id" value="([^"]+)"/.exec(stepUp.body)?.[1] ?? ''
    expect((await b.post(`/hosted/${id}/step-up`, { csrf: csrfOf(stepUp.body), factor_id: factorId })).statusCode).toBe(
      303,
    )
    const codePage = await b.get(`/hosted/${id}`)
    expect(codePage.body).toContain('autocomplete="one-time-code"')
    const verified = await b.post(`/hosted/${id}/verify`, {
      csrf: csrfOf(codePage.body),
      code: t.capture.lastCode('ada@example.com'),
    })
    expect(verified.statusCode).toBe(303)
    expect(verified.headers.location).toBe(`/hosted/${id}`)

    const enroll = await b.get(`/hosted/${id}`)
    expect(enroll.body).toContain('Add a passkey')
    expect(enroll.body).toContain('src="/hosted/assets/webauthn.js"')
    // The page's button carries the form token for its script.
    const csrf = /data-csrf="([^"]+)"/.exec(enroll.body)?.[1] ?? ''
    const options = await b.post(`/hosted/${id}/ceremony/options`, { csrf })
    expect(options.statusCode).toBe(200)
    expect(options.json()).toMatchObject({ kind: 'create', options: { rp: { id: 'localhost' } } })
    const factors = (await t.request('GET', '/v1/users/u_ada/factors', { key })).json().factors
    // Sorted: two factors made within one millisecond of the test clock list in either order.
    expect(factors.map((factor: { type: string; status: string }) => `${factor.type}:${factor.status}`).sort()).toEqual(
      ['email:active', 'passkey:pending'],
    )
  })
})
