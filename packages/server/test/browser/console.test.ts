import { randomBytes } from 'node:crypto'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call } from '../e2e/helpers/api.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from '../e2e/helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from '../e2e/helpers/webhook-receiver.js'
import { expectAccessible } from './helpers/axe.js'
import { browserTestsEnabled, type LaunchedBrowser, launchChromium } from './helpers/chromium.js'

const enabled = browserTestsEnabled()
const secrets = secretsForTest()
let hook: WebhookReceiver
let server: TestServer
let chromium: LaunchedBrowser
let context: BrowserContext
let page: Page
/** Set by the test that creates them; the later tests (one operator's session, in order) use them. */
let appUrl = ''
let appKey = ''

beforeAll(async () => {
  if (!enabled) return
  hook = await startWebhookReceiver()
  server = await startServer({
    env: {
      ...secrets,
      TESSERA_SMS_WEBHOOK_URL: hook.url,
      TESSERA_SMS_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    },
  })
  chromium = await launchChromium()
  context = await chromium.browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
})

afterAll(async () => {
  await chromium?.close()
  await server?.stop()
  await killAll()
  await hook?.close()
  cleanupTempDirs()
})

describe.runIf(enabled)('the operator console in a real browser', () => {
  it('refuses a wrong admin key, then signs in with the right one into an HttpOnly, SameSite=Strict cookie', async () => {
    await page.goto(`${server.url}/console`)
    expect(new URL(page.url()).pathname).toBe('/console/sign-in')
    await expectAccessible(page)
    await page.fill('#admin_key', 'not-the-key')
    await page.click('button[type=submit]')
    expect(await page.textContent('[role=alert]')).toContain('not the admin key')

    await page.fill('#admin_key', secrets.TESSERA_ADMIN_KEY)
    await Promise.all([page.waitForURL(/\/console\/apps$/), page.click('button[type=submit]')])
    const cookie = (await context.cookies()).find((entry) => entry.name === 'tessera_console')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' })
    expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000)
    // Served over plain http here: not Secure (it is behind TLS or with an https TESSERA_PUBLIC_URL).
    expect(cookie?.secure).toBe(false)
  })

  it('creates an app, then a key whose secret is shown once and works against the API', async () => {
    await page.fill('#app-name', 'Harbor Pay')
    await Promise.all([page.waitForURL(/\/keys\?created=1$/), page.click('form[action="/console/apps"] button')])
    appUrl = page.url().replace(/\/keys\?created=1$/, '')
    expect(await page.textContent('h1')).toBe('Harbor Pay')

    await page.fill('#key-name', 'backend')
    await page.click('form[action$="/keys"] button')
    const secret = (await page.textContent('#new-key-secret'))?.trim() ?? ''
    expect(secret).toMatch(/^tsk_/)
    await expectAccessible(page)
    appKey = secret
    const started = await call(server.url, 'POST', '/v1/verifications', {
      key: appKey,
      body: { channel: 'sms', to: '+14155552671', scene: 'login' },
    })
    expect(started.status).toBe(201)

    await page.goto(`${appUrl}/keys`)
    expect(await page.isVisible('#new-key-secret')).toBe(false)
    expect(await page.content()).not.toContain(secret)
  })

  it('renames the app and changes a setting; an invalid value is refused beside its field', async () => {
    await page.goto(`${appUrl}/settings`)
    await expectAccessible(page)
    await page.fill('#rename-name', 'Harbor Payments')
    await Promise.all([page.waitForURL(/saved=name/), page.click('form[action$="/rename"] button')])
    expect(await page.textContent('h1')).toBe('Harbor Payments')

    await page.fill('#f-channels-sms-code_length', '12')
    await page.click('.sticky-actions button')
    await page.waitForSelector('#f-channels-sms-code_length-error')
    expect(await page.getAttribute('#f-channels-sms-code_length', 'aria-invalid')).toBe('true')
    expect(await page.inputValue('#f-channels-sms-code_length')).toBe('12')
    await expectAccessible(page)

    await page.fill('#f-channels-sms-code_length', '8')
    await page.check('#f-email_magic_link')
    await Promise.all([page.waitForURL(/saved=1/), page.click('.sticky-actions button')])
    const app = await call(server.url, 'GET', `/admin/v1/apps/${appUrl.split('/').at(-1)}`, {
      key: secrets.TESSERA_ADMIN_KEY,
    })
    expect(app.body.settings.channels.sms.code_length).toBe(8)
    expect(app.body.settings.email_magic_link).toBe(true)
    expect(app.body.name).toBe('Harbor Payments')
  })

  it('finds a verification by status, channel and scene, masked, with its details', async () => {
    await page.goto(`${appUrl}/verifications`)
    await page.selectOption('#status', 'pending')
    await page.selectOption('#channel', 'sms')
    await page.fill('#scene', 'login')
    await page.click('form.filters button')
    await page.waitForURL(/status=pending/)
    const rows = page.locator('tbody tr')
    expect(await rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain('+14*******71')
    expect(await page.content()).not.toContain('4155552671')
    await expectAccessible(page)

    await page.selectOption('#status', 'approved')
    await page.click('form.filters button')
    await page.waitForURL(/status=approved/)
    expect(await page.textContent('tbody')).toContain('No verification matches')

    await page.goto(`${appUrl}/verifications?status=pending`)
    await page.click('tbody tr a')
    expect(await page.textContent('main')).toContain('login')
    // Its delivery, as the provider chain recorded it.
    expect(await page.textContent('main')).toContain('webhook')
  })

  it('edits an SMS template with a live preview and segment count, then saves it', async () => {
    await page.goto(`${appUrl}/templates`)
    await expectAccessible(page)
    await page.fill('#t-text', '{app_name}: your code is {code}')
    // Live: the server renders the draft as it is typed (the code length is 8 since the settings test).
    await page.waitForFunction(
      "document.getElementById('preview-text').textContent.startsWith('Harbor Payments: your code is 00000000')",
    )
    expect(await page.textContent('#preview-segments')).toContain('1 segment')
    await page.fill('#t-text', `{app_name}: your code is {code}. ${'Never share it with anyone. '.repeat(6)}`)
    await page.waitForFunction("document.getElementById('preview-segments').textContent.includes('2 segments')")
    await Promise.all([page.waitForURL(/saved=1/), page.click('button[value=save]')])
    expect(await page.textContent('tbody')).toContain('sms')
    const app = await call(server.url, 'GET', `/admin/v1/apps/${appUrl.split('/').at(-1)}`, {
      key: secrets.TESSERA_ADMIN_KEY,
    })
    expect(app.body.settings.templates.sms['*'].en.text).toContain('{app_name}: your code is {code}')
  })

  it('shows the dashboard with its charts and the events page', async () => {
    await page.goto(appUrl)
    expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(3)
    expect(await page.textContent('.kpis')).toContain('Codes sent')
    await expectAccessible(page)
    await page.click('nav.tabs a:has-text("Events")')
    expect(await page.textContent('tbody')).toContain('api_key.created')
  })

  it('rotates the signing key, then revokes the old one, which leaves the JWKS', async () => {
    await page.goto(`${server.url}/console/signing-keys`)
    await expectAccessible(page)
    const before = await page.locator('tbody tr').count()
    await Promise.all([
      page.waitForURL(/done=rotated/),
      page.click('form[action="/console/signing-keys/rotate"] button'),
    ])
    expect(await page.locator('tbody tr').count()).toBe(before + 1)
    const retired = page.locator('tbody tr', { hasText: 'retired' }).first()
    const kid = ((await retired.locator('td').first().textContent()) ?? '').trim()
    expect(kid).toMatch(/^sk_/)
    const published = async () =>
      ((await call(server.url, 'GET', '/.well-known/jwks.json')).body.keys as { kid: string }[]).map((key) => key.kid)
    expect(await published()).toContain(kid)
    await Promise.all([page.waitForURL(/done=revoked/), retired.locator('button').click()])
    expect(await page.textContent('[role=status]')).toContain('Key revoked')
    expect(await published()).not.toContain(kid)
  })

  it('lists this session, and a second browser’s session is refused once revoked from here', async () => {
    const elsewhere = await chromium.browser.newContext({ bypassCSP: true })
    const other = await elsewhere.newPage()
    await other.goto(`${server.url}/console/sign-in`)
    await other.fill('#admin_key', secrets.TESSERA_ADMIN_KEY)
    await Promise.all([other.waitForURL(/\/console\/apps/), other.click('button[type=submit]')])

    await page.goto(`${server.url}/console/sessions`)
    await expectAccessible(page)
    const rows = page.locator('tbody tr[data-session-id]')
    expect(await rows.count()).toBe(2)
    const otherRow = rows.filter({ hasNotText: 'this session' })
    await Promise.all([page.waitForURL(/done=revoked/), otherRow.locator('button').click()])
    expect(await page.locator('tbody tr[data-session-id]').count()).toBe(1)

    await other.goto(`${server.url}/console/apps`)
    expect(new URL(other.url()).pathname).toBe('/console/sign-in')
    await elsewhere.close()
  })

  it('refuses a console form without its CSRF token, and signs out', async () => {
    const forged = await page.request.post(`${server.url}/console/apps`, { form: { name: 'Forged' }, maxRedirects: 0 })
    expect(forged.status()).toBe(403)
    const apps = await call(server.url, 'GET', '/admin/v1/apps', { key: secrets.TESSERA_ADMIN_KEY })
    expect(apps.body.apps.map((app: { name: string }) => app.name)).not.toContain('Forged')

    await page.goto(`${server.url}/console/apps`)
    await Promise.all([page.waitForURL(/sign-in/), page.click('.sidebar form button')])
    await page.goto(`${server.url}/console/apps`)
    expect(new URL(page.url()).pathname).toBe('/console/sign-in')
  })
})
