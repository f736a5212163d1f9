import { test as base } from 'vitest'
import { type AdminApi, adminApi } from './admin-api.js'
import { createTestApp, type TestApp } from './create-test-app.js'
import { type TestApi, testApi } from './test-api.js'

/**
 * Vitest fixtures for in-process tests: `t` (a fresh server on the test database, closed afterwards),
 * `app` (an app with default settings and a key), `api` (that app's backend calls), `appWith` (more
 * apps, with settings of their own) and `admin` (what the operator API lists of any app: verifications,
 * events). A test names what it needs and gets it set up and torn down, instead of copying
 * beforeEach/afterEach:
 *
 *   test('…', async ({ api, t }) => { const { id, code } = await api.startOk({ channel: 'email', to }) … })
 *
 * A test that needs other settings creates its own app: `const { api } = await appWith(settings)`;
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
  /** Creates another app (with these settings) on `t`: its id, key and backend calls. */
  appWith: (settings?: Record<string, unknown>) => Promise<{ appId: string; key: string; api: TestApi }>
  admin: AdminApi
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
  appWith: async ({ t }, use) => {
    await use(async (settings) => {
      const { appId, key } = await t.createApp(settings)
      return { appId, key, api: testApi(t, key) }
    })
  },
  admin: async ({ t }, use) => {
    await use(adminApi(t))
  },
})

/** The same test, under the name most suites use for behaviour statements. */
export const it = test

export { describe, expect } from 'vitest'
