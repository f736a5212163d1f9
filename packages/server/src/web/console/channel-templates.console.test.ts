import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { signInToConsole } from '../../../test/helpers/console-session.js'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'

// The console with WhatsApp and calls: settings, the template editor's WhatsApp template name and call
// script preview, the verifications filter and the dashboard's charts.

let t: TestApp
beforeEach(async () => {
  t = await createTestApp()
})
afterEach(async () => {
  await t.close()
})

async function get(cookie: string, url: string): Promise<string> {
  const res = await t.tessera.server.inject({ method: 'GET', url, headers: { cookie } })
  expect(res.statusCode, url).toBe(200)
  return res.body
}

async function post(cookie: string, url: string, form: Record<string, string>) {
  const page = await get(cookie, url)
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? ''
  return t.tessera.server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    payload: new URLSearchParams({ ...form, csrf }).toString(),
  })
}

describe('WhatsApp and calls in the console', () => {
  it('the settings form has each channel’s policy and its fallback', async () => {
    const { appId } = await t.createApp({ channels: { whatsapp: { fallback: { channel: 'sms', after_seconds: 20 } } } })
    const page = await get((await signInToConsole(t.tessera.server)).cookie, `/console/apps/${appId}/settings`)
    expect(page).toContain('id="f-channels-whatsapp-blocked_countries"')
    expect(page).toContain('id="f-channels-call-blocked_number_types"')
    expect(page).toMatch(/id="f-channels-whatsapp-fallback"[^>]*>[^<]*&quot;channel&quot;: &quot;sms&quot;/)
  })

  it('saves a WhatsApp template with its approved template name, per locale', async () => {
    const { appId } = await t.createApp()
    const cookie = (await signInToConsole(t.tessera.server)).cookie
    const editor = await get(cookie, `/console/apps/${appId}/templates?channel=whatsapp&scene=*&locale=pt-BR`)
    expect(editor).toContain('id="t-template_name"')
    const saved = await post(cookie, `/console/apps/${appId}/templates?channel=whatsapp`, {
      channel: 'whatsapp',
      scene: '*',
      locale: 'pt-BR',
      text: 'Seu código {app_name}: {code}',
      template_name: 'acme_codigo',
      action: 'save',
    })
    expect(saved.statusCode).toBeLessThan(400)
    const app = await t.request('GET', `/admin/v1/apps/${appId}`, { key: TEST_ADMIN_KEY })
    expect(app.json().settings.templates.whatsapp).toEqual({
      '*': { 'pt-BR': { text: 'Seu código {app_name}: {code}', template_name: 'acme_codigo' } },
    })
  })

  it('previews a call script as the voice says it', async () => {
    const { appId } = await t.createApp()
    const cookie = (await signInToConsole(t.tessera.server)).cookie
    const res = await post(cookie, `/console/apps/${appId}/templates?channel=call`, {
      channel: 'call',
      scene: '*',
      locale: 'de',
      text: '',
      action: 'preview',
    })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<strong id="preview-voice">de-DE</strong>')
    expect(res.body).toMatch(/id="preview-speech">Ihr Bestätigungscode für Acme lautet (\d, ){5}\d\./)
    expect(res.body).not.toContain('id="preview-segments"')
  })

  it('the verifications filter and the dashboard list the new channels', async () => {
    const { appId } = await t.createApp()
    const cookie = (await signInToConsole(t.tessera.server)).cookie
    const verifications = await get(cookie, `/console/apps/${appId}/verifications`)
    expect(verifications).toContain('<option value="whatsapp">')
    expect(verifications).toContain('<option value="call">')
    const dashboard = await get(cookie, `/console/apps/${appId}`)
    expect(dashboard).toContain('WhatsApp')
    expect(dashboard).toContain('Voice call')
  })
})
