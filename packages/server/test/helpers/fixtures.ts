import { test as base } from 'vitest'
import { createTestApp, type TestApp } from './create-test-app.js'
import { type TestApi, testApi } from './test-api.js'

/**
 * Vitest fixtures for in-process tests: `t` (a fresh server on the test database, closed afterwards),
 * `app` (an app with default settings and a key) and `api` (that app's backend calls). A test names
 * what it needs and gets it set up and torn down, instead of copying beforeEach/afterEach:
 *
 *   test('…', async ({ api, t }) => { const { id, code } = await api.startOk({ channel: 'email', to }) … })
 *
 * A test that needs other settings creates its own app: `testApi(t, (await t.createApp(settings)).key)`;
 * a file or describe whose every test needs them sets the `settings` option instead:
 *
 *   test.scoped({ settings: { token_ttl_seconds: 300 } })
 */
export const test = base.extend<{
  /** The settings `app` is created with (default: none, so the defaults). */
  settings: Record<string, unknown> | undefined
  t: TestApp
  app: { appId: string; key: string }
  api: TestApi
}>({
  settings: undefined,
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring.
  t: async ({}, use) => {
    const t = await createTestApp()
    await use(t)
    await t.close()
  },
  app: async ({ t, settings }, use) => {
    await use(await t.createApp(settings))
  },
  api: async ({ t, app }, use) => {
    await use(testApi(t, app.key))
  },
})

/** The same test, under the name most suites use for behaviour statements. */
export const it = test

export { describe, expect } from 'vitest'
