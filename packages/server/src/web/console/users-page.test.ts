import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { csrfOf, signInToConsole } from '../../../test/helpers/console-session.js'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'
import { createSoftAuthenticator } from '../../../test/helpers/soft-authenticator.js'

// The console's Users tab: a user's factors with a passkey's name, authenticator (from its AAGUID), last use,
// backup state and flag, and the operator's Remove.

let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

describe('the console’s Users tab', () => {
  it('lists a user’s passkeys with name, authenticator, last use and backup state, and removes one', async () => {
    const { appId, key } = await t.createApp()
    const authenticator = createSoftAuthenticator({ origin: 'http://localhost:3000' })
    const bound = await t.request('POST', '/v1/users/u_ada/factors', {
      key,
      body: { type: 'passkey', name: 'Work laptop' },
    })
    const factorId: string = bound.json().factor_id
    const activated = await t.request('POST', `/v1/users/u_ada/factors/${factorId}/activate`, {
      key,
      body: { credential: authenticator.create(bound.json().options) },
    })
    expect(activated.statusCode).toBe(200)
    const started = await t.request('POST', '/v1/users/u_ada/challenges', {
      key,
      body: { scene: 'login', type: 'passkey' },
    })
    await t.request('POST', '/v1/verifications/verify', {
      key,
      body: { verification_id: started.json().verification_id, credential: authenticator.get(started.json().options) },
    })

    const cookie = (await signInToConsole(t.tessera.server)).cookie
    const page = await t.tessera.server.inject({
      method: 'GET',
      url: `/console/apps/${appId}/users?user_id=u_ada`,
      headers: { cookie },
    })
    expect(page.statusCode).toBe(200)
    const row = /<tr><td>passkey<\/td>.*?<\/tr>/s.exec(page.body)?.[0] ?? ''
    expect(row).toContain('Work laptop')
    expect(row).toContain('Chromium virtual authenticator')
    expect(row).toContain('<td>yes</td>')
    expect(row).not.toContain('never')

    const removed = await t.tessera.server.inject({
      method: 'POST',
      url: `/console/apps/${appId}/users/u_ada/factors/${factorId}/remove`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({ csrf: csrfOf(page.body) }).toString(),
    })
    expect(removed.statusCode).toBe(200)
    expect(removed.body).toContain('Factor removed.')
    expect(removed.body).toContain('No factors for this user.')
    const listed = await t.request('GET', '/v1/users/u_ada/factors', { key })
    expect(listed.json().factors).toEqual([])
  })

  it('refuses a removal without the form token, and changes nothing', async () => {
    const { appId, key } = await t.createApp()
    const bound = await t.request('POST', '/v1/users/u_bo/factors', { key, body: { type: 'passkey' } })
    const cookie = (await signInToConsole(t.tessera.server)).cookie
    const forged = await t.tessera.server.inject({
      method: 'POST',
      url: `/console/apps/${appId}/users/u_bo/factors/${bound.json().factor_id}/remove`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: 'csrf=forged',
    })
    expect(forged.statusCode).toBe(403)
    expect((await t.request('GET', '/v1/users/u_bo/factors', { key })).json().factors).toHaveLength(1)
  })
})
