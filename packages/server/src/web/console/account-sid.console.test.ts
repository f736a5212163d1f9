import { signInToConsole } from '../../../test/helpers/console-session.js'
import { TEST_ADMIN_KEY } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'

describe('the console’s app pages', () => {
  it('show the app’s account_sid, the Twilio-compatible API’s user name', async ({ t, app }) => {
    const read = await t.request('GET', `/admin/v1/apps/${app.appId}`, { key: TEST_ADMIN_KEY })
    const accountSid: string = read.json().account_sid
    const cookie = (await signInToConsole(t.tessera.server)).cookie
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
