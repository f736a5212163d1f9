import type { LightMyRequestResponse } from 'fastify'
import { TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'

const cookiesOf = (response: LightMyRequestResponse) =>
  [response.headers['set-cookie'] ?? []]
    .flat()
    .map((cookie) => cookie.split(';')[0] ?? '')
    .filter((pair) => !pair.endsWith('='))
    .join('; ')

async function signIn(t: TestApp): Promise<string> {
  const form = await t.tessera.server.inject({ method: 'GET', url: '/console/sign-in' })
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? ''
  const res = await t.tessera.server.inject({
    method: 'POST',
    url: '/console/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(form) },
    payload: new URLSearchParams({ admin_key: TEST_ADMIN_KEY, csrf }).toString(),
  })
  expect(res.statusCode).toBe(303)
  return cookiesOf(res)
}

describe('the console’s app pages', () => {
  it('show the app’s account_sid, the Twilio-compatible API’s user name', async ({ t, app }) => {
    const read = await t.request('GET', `/admin/v1/apps/${app.appId}`, { key: TEST_ADMIN_KEY })
    const accountSid: string = read.json().account_sid
    const cookie = await signIn(t)
    for (const path of ['', '/keys', '/settings']) {
      const page = await t.tessera.server.inject({
        method: 'GET',
        url: `/console/apps/${app.appId}${path}`,
        headers: { cookie },
      })
      expect(page.statusCode).toBe(200)
      expect(page.body).toContain(`account_sid ${accountSid}`)
    }
  })
})
