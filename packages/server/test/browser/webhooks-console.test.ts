import { randomBytes } from 'node:crypto'
import type { Page } from 'playwright-core'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, createAppWithKey } from '../e2e/helpers/api.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from '../e2e/helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from '../e2e/helpers/webhook-receiver.js'
import { expectAccessible } from './helpers/axe.js'
import { browserTestsEnabled, type LaunchedBrowser, launchChromium } from './helpers/chromium.js'

const enabled = browserTestsEnabled()
const secrets = secretsForTest()
let sms: WebhookReceiver
let hooks: WebhookReceiver
let server: TestServer
let chromium: LaunchedBrowser
let page: Page

beforeAll(async () => {
  if (!enabled) return
  sms = await startWebhookReceiver()
  hooks = await startWebhookReceiver()
  server = await startServer({
    env: {
      ...secrets,
      TESSERA_SMS_WEBHOOK_URL: sms.url,
      TESSERA_SMS_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    },
  })
  chromium = await launchChromium()
  page = await (await chromium.browser.newContext({ bypassCSP: true })).newPage()
})

afterAll(async () => {
  await chromium?.close()
  await server?.stop()
  await killAll()
  await sms?.close()
  await hooks?.close()
  cleanupTempDirs()
})

describe.runIf(enabled)('the console’s Webhooks tab in a real browser', () => {
  it('adds an endpoint (secret shown once), lists an event’s tries and resends it', async () => {
    const app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Hooked')
    await page.goto(`${server.url}/console/sign-in`)
    await page.fill('#admin_key', secrets.TESSERA_ADMIN_KEY)
    await Promise.all([page.waitForURL((url) => !url.pathname.endsWith('/sign-in')), page.click('button[type=submit]')])

    await page.goto(`${server.url}/console/apps/${app.appId}`)
    await Promise.all([page.waitForURL(/\/webhooks$/), page.click('nav.tabs >> text=Webhooks')])
    await expectAccessible(page)
    await page.fill('#webhook-url', hooks.url)
    await page.fill('#webhook-events', 'verification.started')
    await page.fill('#webhook-description', 'backend')
    await page.click('form[action$="/webhooks"] button')
    const secret = (await page.textContent('#webhook-secret'))?.trim() ?? ''
    expect(secret).toMatch(/^whsec_/)
    await expectAccessible(page)

    hooks.status = 500
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: app.key,
      body: { channel: 'sms', to: '+14155550123' },
    })
    expect(started.status).toBe(201)
    const first = await hooks.nextRequest()
    new Webhook(secret).verify(first.rawBody, {
      'webhook-id': String(first.headers['webhook-id']),
      'webhook-timestamp': String(first.headers['webhook-timestamp']),
      'webhook-signature': String(first.headers['webhook-signature']),
    })
    const eventId = String(first.headers['webhook-id'])

    hooks.status = 200
    const row = `tr[data-event-id="${eventId}"]`
    // The failed try is recorded once the endpoint answered: reload until the Events page lists it.
    for (let i = 0; i < 50; i++) {
      await page.goto(`${server.url}/console/apps/${app.appId}/events?type=verification.started`)
      if ((await page.locator(`${row} ol.attempts li`).count()) > 0) break
      await page.waitForTimeout(100)
    }
    expect(await page.textContent(`${row} ol.attempts`)).toContain('500')
    await expectAccessible(page)
    await page.click(`${row} button:has-text("Resend")`)
    expect(await page.textContent('[role=status]')).toContain('Queued again for 1 endpoint.')
    // The resend or the scheduled retry, whichever comes first: the same webhook-id, now answered 200.
    const again = await hooks.nextRequest(15_000)
    expect(again.headers['webhook-id']).toBe(eventId)
  }, 90_000)
})
