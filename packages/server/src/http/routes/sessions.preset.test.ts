import type { TestApp } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { hostedBrowser } from '../../../test/helpers/hosted-browser.js'

// The hosted page masks a preset identifier with the same masker as every API answer (identifiers/).

const REDIRECT = 'https://app.example.com/verified'

it.scoped({ settings: { redirect_urls: [REDIRECT] } })

async function presetPage(t: TestApp, key: string, channel: string, to: string): Promise<string> {
  const created = await t.request('POST', '/v1/sessions', { key, body: { redirect_url: REDIRECT, channel, to } })
  expect(created.statusCode).toBe(201)
  const page = await hostedBrowser(t).get(new URL(created.json().url).pathname)
  expect(page.statusCode).toBe(200)
  return page.body
}

describe('a hosted session with a preset identifier', () => {
  it('shows the preset email masked as the API masks it, never in full', async ({ t, app }) => {
    const body = await presetPage(t, app.key, 'email', 'Ada.Lovelace@example.com')
    expect(body).toContain('A***@e***.com')
    expect(body).not.toContain('Lovelace')
  })

  it('shows the preset phone number masked as the API masks it, never in full', async ({ t, app }) => {
    const body = await presetPage(t, app.key, 'sms', '+14155552671')
    expect(body).toContain('+14*******71')
    expect(body).not.toContain('4155552671')
  })
})
