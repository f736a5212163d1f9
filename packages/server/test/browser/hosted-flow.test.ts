import { randomBytes } from 'node:crypto'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CreatedApp,
  call,
  codeFromEmailText,
  codeFromSms,
  createAppWithKey,
  wrongCodeFor,
} from '../e2e/helpers/api.js'
import { type SmtpReceiver, startSmtpReceiver } from '../e2e/helpers/smtp-receiver.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from '../e2e/helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from '../e2e/helpers/webhook-receiver.js'
import { expectAccessible } from './helpers/axe.js'
import { browserTestsEnabled, type LaunchedBrowser, launchChromium } from './helpers/chromium.js'
import { startLandingServer } from './helpers/landing-server.js'

const enabled = browserTestsEnabled()
const secrets = secretsForTest()
let hook: WebhookReceiver
let smtp: SmtpReceiver
let landing: Awaited<ReturnType<typeof startLandingServer>>
let server: TestServer
let chromium: LaunchedBrowser
let context: BrowserContext
let page: Page
let app: CreatedApp
let linkApp: CreatedApp

beforeAll(async () => {
  if (!enabled) return
  hook = await startWebhookReceiver()
  smtp = await startSmtpReceiver()
  landing = await startLandingServer()
  server = await startServer({
    env: {
      ...secrets,
      TESSERA_SMS_WEBHOOK_URL: hook.url,
      TESSERA_SMS_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
      TESSERA_SMTP_URL: smtp.url,
      TESSERA_EMAIL_FROM: 'Tessera <no-reply@tessera.test>',
    },
  })
  const settings = { redirect_urls: [landing.callbackUrl], brand_color: '#0F766E' }
  app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Northwind', settings)
  linkApp = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Linkly', {
    ...settings,
    email_magic_link: true,
  })
  chromium = await launchChromium()
  // axe is injected as a script, which the pages' CSP refuses: this context bypasses CSP for that.
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
  await smtp?.close()
  await landing?.close()
  cleanupTempDirs()
})

async function createSession(
  forApp: CreatedApp,
  body: Record<string, unknown>,
): Promise<{ session_id: string; url: string }> {
  const created = await call(server.url, 'POST', '/v1/sessions', {
    key: forApp.key,
    body: { redirect_url: landing.callbackUrl, ...body },
  })
  expect(created.status).toBe(201)
  return created.body
}

async function expectActiveToken(forApp: CreatedApp, url: string, state: string | null) {
  const landed = new URL(url)
  expect(`${landed.origin}${landed.pathname}`).toBe(landing.callbackUrl)
  expect(landed.searchParams.get('state')).toBe(state)
  const token = landed.searchParams.get('verification_token')
  const introspection = await call(server.url, 'POST', '/v1/tokens/verify', {
    key: forApp.key,
    body: { verification_token: token },
  })
  expect(introspection.body.active).toBe(true)
  return introspection.body
}

describe.runIf(enabled)('the hosted verification flow in a real browser', () => {
  it('SMS: formats as typed, refuses a wrong code with tries left, then redirects with token and state', async () => {
    const session = await createSession(app, { channel: 'sms', state: 'cart-42', scene: 'login' })
    await page.goto(session.url)
    expect(await page.getAttribute('html', 'dir')).toBe('ltr')
    expect(await page.inputValue('#country')).toBe('US')
    await page.locator('#phone').pressSequentially('4155552671')
    expect(await page.inputValue('#phone')).toBe('(415) 555-2671')
    await expectAccessible(page)

    await page.click('button[type=submit]')
    await page.waitForSelector('#code')
    expect(await page.getAttribute('#code', 'autocomplete')).toBe('one-time-code')
    expect(await page.getAttribute('#code', 'inputmode')).toBe('numeric')
    // The resend countdown runs: the button is disabled until the cooldown ends.
    expect(await page.isDisabled('[data-resend-in]')).toBe(true)
    const sms = await hook.nextRequest()
    const code = codeFromSms((sms.json as { body: string }).body)

    await page.fill('#code', wrongCodeFor(code))
    await page.click('form[data-code-form] button[type=submit]')
    await page.waitForSelector('#alert:not(:empty)')
    expect(await page.textContent('#alert')).toContain('Tries left: 4')
    expect(await page.getAttribute('#code', 'aria-invalid')).toBe('true')
    await expectAccessible(page)

    await page.fill('#code', code)
    await Promise.all([
      page.waitForURL(`${landing.callbackUrl}**`),
      page.click('form[data-code-form] button[type=submit]'),
    ])
    const token = await expectActiveToken(app, page.url(), 'cart-42')
    expect(token).toMatchObject({ channel: 'sms', scene: 'login', to: '+14155552671' })
  })

  it('response_mode "code": the browser never sees the token; the backend exchanges the code once', async () => {
    // @see issue 13, part 10
    const session = await createSession(app, { channel: 'sms', to: '+14155550188', state: 'cm', response_mode: 'code' })
    await page.goto(session.url)
    await page.click('button[type=submit]')
    await page.waitForSelector('#code')
    const code = codeFromSms(((await hook.nextRequest()).json as { body: string }).body)
    await page.fill('#code', code)
    const visitsBefore = landing.visits.length
    await Promise.all([
      page.waitForURL(`${landing.callbackUrl}**`),
      page.click('form[data-code-form] button[type=submit]'),
    ])
    const landed = new URL(page.url())
    expect(landed.searchParams.get('verification_token')).toBeNull()
    expect(landed.searchParams.get('state')).toBe('cm')
    expect(landed.searchParams.get('session_id')).toBe(session.session_id)
    // What the browser, its history and the landing server's log saw: no JWT anywhere.
    const seen = [page.url(), ...landing.visits.slice(visitsBefore).map(String)].join(' ')
    expect(seen).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./)

    const exchangeCode = landed.searchParams.get('code') ?? ''
    const exchange = () =>
      call(server.url, 'POST', `/v1/sessions/${session.session_id}/exchange`, {
        key: app.key,
        body: { code: exchangeCode },
      })
    const exchanged = await exchange()
    expect(exchanged.status).toBe(200)
    const introspection = await call(server.url, 'POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: exchanged.body.verification_token },
    })
    expect(introspection.body).toMatchObject({ active: true, channel: 'sms', to: '+14155550188' })
    const replay = await exchange()
    expect(replay.status).toBe(400)
    expect(replay.body.error).toBe('invalid_grant')
  })

  it('email: the code from the SMTP receiver verifies, and a pasted code with spaces is cleaned up', async () => {
    const session = await createSession(app, { channel: ['sms', 'email'] })
    await page.goto(session.url)
    await page.click('nav.tabs a:has-text("Email")')
    await page.fill('#email', 'grace@example.org')
    await page.click('button[type=submit]')
    await page.waitForSelector('#code')
    expect(await page.textContent('.lead')).toContain('g***@e***.org')
    const mail = await smtp.nextMessage('grace@example.org')
    const code = codeFromEmailText(mail.text ?? '')
    await page.fill('#code', `${code.slice(0, 3)} ${code.slice(3)}`)
    expect(await page.inputValue('#code')).toBe(code)
    await Promise.all([
      page.waitForURL(`${landing.callbackUrl}**`),
      page.click('form[data-code-form] button[type=submit]'),
    ])
    await expectActiveToken(app, page.url(), null)
  })

  it('magic link: a prefetching scanner approves nothing; the person’s click on Confirm does', async () => {
    const session = await createSession(linkApp, { channel: 'email', state: 'ml' })
    await page.goto(session.url)
    await page.fill('#email', 'ada@example.org')
    await page.click('button[type=submit]')
    await page.waitForSelector('#code')
    const mail = await smtp.nextMessage('ada@example.org')
    const link = /(http:\/\/\S+\/confirm\?t=[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1]
    expect(link).toBeDefined()

    // A mail scanner fetches the link (and follows what it finds): nothing is approved.
    const prefetch = await fetch(link ?? '', { redirect: 'follow' })
    expect(prefetch.status).toBe(200)
    expect(await prefetch.text()).toContain('Confirm')
    await page.reload()
    expect(await page.isVisible('#code')).toBe(true)

    const other = await chromium.browser.newContext({ bypassCSP: true, locale: 'en-US' })
    const confirmPage = await other.newPage()
    await confirmPage.goto(link ?? '')
    expect(await confirmPage.textContent('h1')).toContain('Confirm')
    await expectAccessible(confirmPage)
    await Promise.all([confirmPage.waitForURL(`${landing.callbackUrl}**`), confirmPage.click('button[type=submit]')])
    await expectActiveToken(linkApp, confirmPage.url(), 'ml')

    // Single use: the same link now opens an explanation, not a button.
    await confirmPage.goto(link ?? '')
    expect(await confirmPage.isVisible('button[type=submit]')).toBe(false)
    await other.close()
  })

  it('expiry: a code entered after the verification expired is refused with a fresh start offered', async () => {
    const shortLived = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Brief', {
      redirect_urls: [landing.callbackUrl],
      channels: { sms: { ttl_seconds: 1 } },
    })
    const session = await createSession(shortLived, { channel: 'sms', to: '+14155550123' })
    await page.goto(session.url)
    // A preset number: the page shows it masked with a button to send the code, nothing to type.
    expect(await page.textContent('.card')).toMatch(/\+14\*+23/)
    expect(await page.isVisible('#phone')).toBe(false)
    await page.click('button[type=submit]')
    await page.waitForSelector('#code')
    const code = codeFromSms((((await hook.nextRequest()).json as { body: string }) ?? { body: '' }).body)
    // Past the one-second lifetime (the server's clock decides; this only makes sure it has passed).
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await page.fill('#code', code)
    await page.click('form[data-code-form] button[type=submit]')
    await page.waitForSelector('#alert:not(:empty)')
    expect(await page.textContent('#alert')).toContain('expired')
    expect(await page.isVisible('form[action$="/restart"] button')).toBe(true)
  })

  it('CSRF: a form post without the page’s token is refused and sends nothing', async () => {
    const session = await createSession(app, { channel: 'sms' })
    await page.goto(session.url)
    const before = hook.requests.length
    // Same browser, same cookies, no token: what a forged cross-site form would send at best.
    const forged = await page.request.post(`${session.url}/start`, {
      form: { channel: 'sms', country: 'US', phone: '4155552671' },
      maxRedirects: 0,
    })
    expect(forged.status()).toBe(403)
    expect(hook.requests.length).toBe(before)
  })

  it('works with JavaScript disabled: a national number and the country picker are enough', async () => {
    const noScript = await chromium.browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' })
    const plain = await noScript.newPage()
    const session = await createSession(app, { channel: 'sms', state: 'nojs' })
    await plain.goto(session.url)
    expect(await plain.inputValue('#country')).toBe('US')
    await plain.selectOption('#country', 'GB')
    await plain.fill('#phone', '07911 123456')
    await plain.click('button[type=submit]')
    await plain.waitForSelector('#code')
    const sms = await hook.nextRequest()
    expect((sms.json as { to: string }).to).toBe('+447911123456')
    await plain.fill('#code', codeFromSms((sms.json as { body: string }).body))
    await Promise.all([
      plain.waitForURL(`${landing.callbackUrl}**`),
      plain.click('form[data-code-form] button[type=submit]'),
    ])
    await expectActiveToken(app, plain.url(), 'nojs')
    await noScript.close()
  })

  it('speaks Arabic right to left, fits a phone-sized screen, and stays accessible', async () => {
    const session = await createSession(app, { channel: 'sms', locale: 'ar' })
    await page.setViewportSize({ width: 360, height: 740 })
    await page.goto(session.url)
    expect(await page.getAttribute('html', 'dir')).toBe('rtl')
    expect(await page.getAttribute('html', 'lang')).toBe('ar')
    expect(await page.textContent('h1')).toBe('تأكيد رقم هاتفك')
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')
    expect(overflow).toBe(0)
    await expectAccessible(page)
    // No request leaves Tessera's origin.
    const origins = await page.evaluate(
      "performance.getEntriesByType('resource').map((entry) => new URL(entry.name).origin)",
    )
    expect(new Set(origins as string[])).toEqual(new Set([server.url]))
    await page.setViewportSize({ width: 390, height: 800 })
  })
})
