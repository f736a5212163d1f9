import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** Debian's chromium (apt-get install chromium); .ci/run installs it. */
export const CHROMIUM_PATH = process.env.TESSERA_CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Whether browser tests run here. Outside CI a machine without chromium skips
 * them (with a message); in CI a missing browser is a failure, not a skip.
 */
export function browserTestsEnabled(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true
  if (process.env.CI) return true
  process.stderr.write(
    `browser tests skipped: no chromium at ${CHROMIUM_PATH} (apt-get install chromium; CI always runs them)\n`,
  )
  return false
}

export interface LaunchedBrowser {
  readonly browser: Browser
  close(): Promise<void>
}

/**
 * One headless chromium, with flags that work in containers and no network chatter. Playwright
 * gives it a fresh temporary profile (--user-data-dir) itself, and refuses one passed in args.
 */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return {
    browser,
    async close() {
      await browser.close()
    },
  }
}
