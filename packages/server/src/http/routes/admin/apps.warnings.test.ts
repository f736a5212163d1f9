import { TEST_ADMIN_KEY } from '../../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../../test/helpers/fixtures.js'

const admin = { key: TEST_ADMIN_KEY }

/** 4-digit SMS codes living 15 minutes with 12 checks: the request issue 13 part 9 names. */
const WEAK_SMS = { channels: { sms: { code_length: 4, ttl_seconds: 900, max_attempts: 12 } } }

const THREE_WARNINGS = [
  {
    path: 'settings.channels.sms.code_length',
    setting: 'channels.sms.code_length',
    code: 'code_too_short',
    message: expect.stringMatching(/4 digits.*NIST SP 800-63B.*at least 6 digits/),
  },
  {
    path: 'settings.channels.sms.ttl_seconds',
    setting: 'channels.sms.ttl_seconds',
    code: 'code_ttl_too_long',
    message: expect.stringMatching(/900 s \(15 min\).*at most 10 minutes/),
  },
  {
    path: 'settings.channels.sms.max_attempts',
    setting: 'channels.sms.max_attempts',
    code: 'max_attempts_too_high',
    message: expect.stringMatching(/12 checks/),
  },
]

/**
 * @see issue 13, part 9: settings below NIST SP 800-63B are allowed, and every
 * answer that carries an app's settings names them in `warnings`.
 */
describe('operator API: weak settings are saved and named in warnings', () => {
  it('answers warnings: [] for the defaults, on create, read, list and update', async ({ t }) => {
    const created = await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Acme' } })
    expect(created.statusCode).toBe(201)
    expect(created.json().warnings).toEqual([])
    const { app_id } = created.json()
    expect((await t.request('GET', `/admin/v1/apps/${app_id}`, admin)).json().warnings).toEqual([])
    expect((await t.request('GET', '/admin/v1/apps', admin)).json().apps[0].warnings).toEqual([])
    const patched = await t.request('PATCH', `/admin/v1/apps/${app_id}`, { ...admin, body: { name: 'Acme Pay' } })
    expect(patched.json().warnings).toEqual([])
  })

  it('saves 4-digit SMS codes with a 15-minute TTL and 12 attempts, and names all three', async ({ t }) => {
    const { app_id } = (await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Acme' } })).json()
    const patched = await t.request('PATCH', `/admin/v1/apps/${app_id}`, { ...admin, body: { settings: WEAK_SMS } })
    expect(patched.statusCode).toBe(200)
    expect(patched.json().settings.channels.sms).toMatchObject({ code_length: 4, ttl_seconds: 900, max_attempts: 12 })
    expect(patched.json().warnings).toEqual(THREE_WARNINGS)

    // Every later answer carrying the settings names them too.
    expect((await t.request('GET', `/admin/v1/apps/${app_id}`, admin)).json().warnings).toEqual(THREE_WARNINGS)
    expect((await t.request('GET', '/admin/v1/apps', admin)).json().apps[0].warnings).toEqual(THREE_WARNINGS)
    // The email channel kept its defaults, so it is not named.
    expect(JSON.stringify(patched.json().warnings)).not.toContain('channels.email')
  })

  it('answers the warnings on create, and drops each once its setting is back within the guidance', async ({ t }) => {
    const created = await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Acme', settings: WEAK_SMS } })
    expect(created.statusCode).toBe(201)
    expect(created.json().warnings).toEqual(THREE_WARNINGS)
    const fixed = await t.request('PATCH', `/admin/v1/apps/${created.json().app_id}`, {
      ...admin,
      body: { settings: { channels: { sms: { code_length: 6, ttl_seconds: 600 } } } },
    })
    expect(fixed.json().warnings).toEqual([THREE_WARNINGS[2]])
  })

  it('still sends the weak codes the app asked for', async ({ t, appWith }) => {
    const { api: weak } = await appWith(WEAK_SMS)
    const started = await weak.start({ channel: 'sms', to: '+14155552671' })
    expect(started.statusCode).toBe(201)
    expect(started.json()).toMatchObject({ expires_in: 900, attempts_remaining: 12 })
    expect(t.capture.messages.at(-1)?.text).toMatch(/\b\d{4}\b/)
    expect(t.capture.messages.at(-1)?.text).not.toMatch(/\b\d{6}\b/)
  })

  it('shows warnings, always present, in the OpenAPI document’s App schema', async ({ t }) => {
    const doc = (await t.tessera.server.inject({ method: 'GET', url: '/openapi.json' })).json()
    // The read answer's schema, followed through its $ref (the shared App schema).
    const ref: string =
      doc.paths['/admin/v1/apps/{app_id}'].get.responses['200'].content['application/json'].schema.$ref
    const app = doc.components.schemas[ref.split('/').at(-1) ?? ''] as {
      required?: string[]
      properties?: Record<string, { type?: string; items?: { properties?: Record<string, unknown> } }>
    }
    expect(app?.required).toContain('warnings')
    expect(app?.properties?.warnings?.type).toBe('array')
    expect(Object.keys(app?.properties?.warnings?.items?.properties ?? {})).toEqual(
      expect.arrayContaining(['setting', 'code', 'message']),
    )
  })
})
