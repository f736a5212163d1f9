import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { signInToConsole } from '../../../test/helpers/console-session.js'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'

let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

async function settingsPage(appId: string): Promise<string> {
  const res = await t.tessera.server.inject({
    method: 'GET',
    url: `/console/apps/${appId}/settings`,
    headers: { cookie: (await signInToConsole(t.tessera.server)).cookie },
  })
  expect(res.statusCode).toBe(200)
  return res.body
}

/** @see issue 13, part 9: the console shows the settings below NIST SP 800-63B. */
describe('the console settings page names weak settings', () => {
  it('shows no warning for the defaults', async () => {
    const { appId } = await t.createApp()
    const page = await settingsPage(appId)
    expect(page).toContain('id="f-channels-sms-code_length"')
    expect(page).not.toContain('weak-settings')
    expect(page).not.toContain('field-warning')
  })

  it('lists each weak setting above the form, linked to its field, and marks the field', async () => {
    const { appId } = await t.createApp({ channels: { sms: { code_length: 4, ttl_seconds: 900, max_attempts: 12 } } })
    const page = await settingsPage(appId)

    const notice = /<section class="alert warn weak-settings"[^>]*>([\s\S]*?)<\/section>/.exec(page)
    expect(notice?.[0]).toContain('aria-labelledby="weak-settings-title"')
    expect(notice?.[1]).toContain('<h2 id="weak-settings-title">3 settings are below NIST SP 800-63B guidance</h2>')
    const items = [...(notice?.[1] ?? '').matchAll(/<li><a href="#([^"]+)"><code>([^<]+)<\/code><\/a>: ([^<]+)<\/li>/g)]
    expect(items.map((item) => [item[1], item[2]])).toEqual([
      ['f-channels-sms-code_length', 'channels.sms.code_length'],
      ['f-channels-sms-ttl_seconds', 'channels.sms.ttl_seconds'],
      ['f-channels-sms-max_attempts', 'channels.sms.max_attempts'],
    ])
    expect(items[0]?.[3]).toContain('are 4 digits')
    // The notice sits before the form it points into.
    expect(page.indexOf('weak-settings-title')).toBeLessThan(
      page.indexOf('action="/console/apps/'.concat(appId, '/settings"')),
    )

    // Beside its field, and read with it by assistive technology.
    const input = /<input type="number" id="f-channels-sms-code_length"[^>]*>/.exec(page)?.[0] ?? ''
    expect(input).toMatch(/aria-describedby="[^"]*f-channels-sms-code_length-warning/)
    expect(page).toMatch(
      /<p class="field-warning" id="f-channels-sms-code_length-warning"><strong>Below NIST SP 800-63B:<\/strong> [^<]*4 digits/,
    )
    expect(page).toContain('id="f-channels-sms-ttl_seconds-warning"')
    expect(page).toContain('id="f-channels-sms-max_attempts-warning"')
    expect(page).not.toContain('id="f-channels-email-code_length-warning"')
  })

  it('puts a warning about a group of settings on its first field', async () => {
    const { appId } = await t.createApp({ limits: { failed_checks_per_identifier: { max: 500 } } })
    const page = await settingsPage(appId)
    expect(page).toContain('<h2 id="weak-settings-title">One setting is below NIST SP 800-63B guidance</h2>')
    expect(page).toContain('<a href="#f-limits-failed_checks_per_identifier-max">')
    expect(page).toContain('id="f-limits-failed_checks_per_identifier-max-warning"')
  })
})
