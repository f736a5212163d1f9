// npm run screenshots: renders the main screens in Debian's chromium and writes PNGs to docs/screenshots/.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { REPO_ROOT } from '../e2e/helpers/start-server.js'
import { launchChromium } from './helpers/chromium.js'
import { DEMO_ADMIN_KEY, startDemo } from './helpers/demo-server.js'

const OUT = join(REPO_ROOT, 'docs/screenshots')
mkdirSync(OUT, { recursive: true })

const demo = await startDemo({ hoursOfTraffic: 24 })
await demo.seedTraffic()
const { browser, close } = await launchChromium()
try {
  const phone = await browser.newPage({ viewport: { width: 390, height: 760 }, deviceScaleFactor: 2, locale: 'en-US' })
  const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false })

  const sms = await demo.createSession({ channel: 'sms', state: 'demo' })
  await phone.goto(sms.url)
  await phone.fill('#phone', '4155552671')
  await shot(phone, 'hosted-phone-entry')
  await phone.click('button[type=submit]')
  await phone.waitForSelector('#code')
  await phone.fill('#code', '000000')
  await phone.click('form[data-code-form] button[type=submit]')
  await phone.waitForSelector('#alert:not(:empty)')
  await shot(phone, 'hosted-code-error')

  const email = await demo.createSession({ channel: 'email' })
  await phone.goto(email.url)
  await phone.fill('#email', 'ada@example.com')
  await phone.click('button[type=submit]')
  await phone.waitForSelector('#code')
  await phone.goto(demo.lastLink())
  await shot(phone, 'hosted-confirm')

  const desktop = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1.5 })
  await desktop.goto(`${demo.base}/console`)
  await desktop.fill('#admin_key', DEMO_ADMIN_KEY)
  await desktop.click('button[type=submit]')
  await desktop.waitForURL(/\/console\/apps\//)
  await shot(desktop, 'console-dashboard')
  await desktop.goto(`${demo.base}/console/apps/${demo.appId}/settings`)
  await desktop.fill('#f-channels-sms-code_length', '12')
  await desktop.click('.sticky-actions button')
  await desktop.waitForSelector('.field-error')
  await desktop.locator('.has-error').first().scrollIntoViewIfNeeded()
  await desktop.evaluate('window.scrollBy(0, -160)')
  await shot(desktop, 'console-settings')
  await desktop.goto(`${demo.base}/console/apps/${demo.appId}/verifications?status=approved&channel=sms`)
  await shot(desktop, 'console-verifications')
  await desktop.goto(`${demo.base}/console/apps/${demo.appId}/templates`)
  await desktop.fill(
    '#t-text',
    '{app_name}: {code} is your code. It expires in {minutes} min. Never share it — we will never ask for it.',
  )
  await desktop.locator('#preview-text', { hasText: 'Northwind Bank:' }).waitFor()
  await shot(desktop, 'console-templates')
} finally {
  await close()
  await demo.close()
}
process.stdout.write(`screenshots written to ${OUT}\n`)
