import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CreatedApp, call, createAppWithKey } from '../e2e/helpers/api.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from '../e2e/helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from '../e2e/helpers/webhook-receiver.js'
import { expectAccessible } from './helpers/axe.js'
import { browserTestsEnabled, type LaunchedBrowser, launchChromium } from './helpers/chromium.js'
import { startLandingServer } from './helpers/landing-server.js'

// The hosted pages with WhatsApp and calls, in a real browser against a real server: the WhatsApp tab, and
// "Call me instead" on the code page, whose spoken code (the webhook provider's text to speak) verifies.

const enabled = browserTestsEnabled()
const secrets = secretsForTest()
let hook: WebhookReceiver
let landing: Awaited<ReturnType<typeof startLandingServer>>
let server: TestServer
let chromium: LaunchedBrowser
let context: BrowserContext
let page: Page
let app: CreatedApp

beforeAll(async () => {
  if (!enabled) return
  hook = await startWebhookReceiver()
  landing = await startLandingServer()
  server = await startServer({ env: { ...secrets } })
  const webhook = { type: 'webhook', url: hook.url, secret: 'whsec_dGVzdC1zZWNyZXQtZm9yLWNoYW5uZWxz' }
  app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Northwind', {
    redirect_urls: [landing.callbackUrl],
    channels: {
      sms: { providers: [webhook] },
      whatsapp: { providers: [webhook], resend_cooldown_seconds: 0 },
      call: { providers: [webhook] },
    },
  })
  chromium = await launchChromium()
  context = await chromium.browser.newContext({
    locale: 'en-US',
    bypassCSP: true,
    viewport: { width: 390, height: 800 },
  })
  page = await context.newPage()
})

afterAll(async () => {
  await chromium?.close()
  await server?.stop()
  await killAll()
  await hook?.close()
  await landing?.close()
  cleanupTempDirs()
})

describe.runIf(enabled)('WhatsApp and calls on the hosted pages', () => {
  it('offers WhatsApp as a tab, then "Call me instead"; the spoken code verifies and the token says call', async () => {
    const created = await call(server.url, 'POST', '/v1/sessions', {
      key: app.key,
      body: { redirect_url: landing.callbackUrl, channel: ['sms', 'whatsapp', 'call'], state: 'wa' },
    })
    expect(created.status).toBe(201)
    await page.goto(created.body.url)
    const tabs = await page.locator('nav.tabs a').allTextContents()
    expect(tabs).toEqual(['Text message', 'WhatsApp', 'Phone call'])
    await page.click('nav.tabs a:has-text("WhatsApp")')
    await page.waitForSelector('h1:has-text("Verify your WhatsApp number")')
    await page.locator('#phone').pressSequentially('4155552671')
    await page.click('button[type=submit]')
    await page.waitForSelector('#code')
    const whatsapp = (await hook.nextRequest()).json as { channel: string; to: string }
    expect(whatsapp).toMatchObject({ channel: 'whatsapp', to: '+14155552671' })

    // The code page offers a call (and not WhatsApp again, nor SMS, which offers itself nowhere).
    const offers = await page.locator('[data-instead]').allTextContents()
    expect(offers).toEqual(['Call me instead'])
    await expectAccessible(page)
    await page.click('[data-instead="call"]')
    await page.waitForSelector('#code')
    const spoken = (await hook.nextRequest()).json as { channel: string; body: string; language: string }
    expect(spoken).toMatchObject({ channel: 'call', language: 'en-US' })
    // "Your Northwind verification code is 4, 8, 2, 9, 1, 3. …" said twice: the digits are the code.
    const digits = /is ((?:\d, )+\d)\./.exec(spoken.body)?.[1]?.replaceAll(', ', '') ?? ''
    expect(digits).toMatch(/^\d{6}$/)
    expect(await page.locator('[data-instead]').allTextContents()).toEqual(['Send the code on WhatsApp instead'])

    await page.fill('#code', digits)
    await Promise.all([
      page.waitForURL(`${landing.callbackUrl}**`),
      page.click('form[data-code-form] button[type=submit]'),
    ])
    const token = new URL(page.url()).searchParams.get('verification_token')
    const introspection = await call(server.url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: token },
    })
    expect(introspection.body).toMatchObject({ active: true, channel: 'call', to: '+14155552671' })
  })
})
