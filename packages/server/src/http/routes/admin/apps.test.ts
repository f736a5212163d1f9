import { TEST_ADMIN_KEY } from '../../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../../test/helpers/fixtures.js'
import { testApi } from '../../../../test/helpers/test-api.js'
import { APP_KEY_CACHE_TTL_MS } from '../../../core/app-service.js'
import { defaultAppSettings } from '../../../settings/resolve-settings.js'
import { BUILT_IN_SETTINGS_SCHEMA } from '../../../verifiers/built-in-verifiers.js'

const admin = { key: TEST_ADMIN_KEY }

describe('operator API: apps', () => {
  it('creates an app with default settings and reads it back', async ({ t }) => {
    const created = await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: '  Acme  ' } })
    expect(created.statusCode).toBe(201)
    const app = created.json()
    expect(app.app_id).toMatch(/^app_/)
    expect(app.name).toBe('Acme')
    // The built-in types' options (totp.*) are settings too.
    expect(app.settings).toEqual(defaultAppSettings(BUILT_IN_SETTINGS_SCHEMA))
    const read = await t.request('GET', `/admin/v1/apps/${app.app_id}`, admin)
    expect(read.json()).toEqual(app)
    const list = await t.request('GET', '/admin/v1/apps', admin)
    expect(list.json().apps.map((a: { app_id: string }) => a.app_id)).toEqual([app.app_id])
  })

  it('deep-merges a partial settings patch and validates the whole', async ({ t }) => {
    const { app_id } = (await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Acme' } })).json()
    const patched = await t.request('PATCH', `/admin/v1/apps/${app_id}`, {
      ...admin,
      body: { settings: { channels: { sms: { code_length: 8 } } } },
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json().settings.channels.sms).toMatchObject({ code_length: 8, ttl_seconds: 600, enabled: true })
    expect(patched.json().settings.channels.email.code_length).toBe(6)
  })

  it.for([
    [{ channels: { sms: { code_length: 11 } } }, 'settings.channels.sms.code_length'],
    [{ channels: { email: { code_length: 3 } } }, 'settings.channels.email.code_length'],
    [{ channels: { sms: { ttl_seconds: 0 } } }, 'settings.channels.sms.ttl_seconds'],
    [{ channels: { sms: { ttl_seconds: 86_401 } } }, 'settings.channels.sms.ttl_seconds'],
    [{ channels: { sms: { max_attempts: 21 } } }, 'settings.channels.sms.max_attempts'],
    [{ channels: { sms: { max_sends: 0 } } }, 'settings.channels.sms.max_sends'],
    [{ channels: { sms: { resend_cooldown_seconds: 3601 } } }, 'settings.channels.sms.resend_cooldown_seconds'],
    [{ channels: { sms: { code_alphabet: 'emoji' } } }, 'settings.channels.sms.code_alphabet'],
    [{ token_ttl_seconds: 3601 }, 'settings.token_ttl_seconds'],
    [{ allow_custom_code: 'yes' }, 'settings.allow_custom_code'],
    [{ unknown_setting: 1 }, 'unknown_setting'],
  ] as const)('refuses %j with 4000 naming %s, and changes nothing', async ([settings, field], { t }) => {
    const { app_id, settings: before } = (
      await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Acme' } })
    ).json()
    const res = await t.request('PATCH', `/admin/v1/apps/${app_id}`, { ...admin, body: { settings } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request', error_code: 4000 })
    expect(res.json().error_description).toContain(field)
    expect((await t.request('GET', `/admin/v1/apps/${app_id}`, admin)).json().settings).toEqual(before)

    const create = await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Other', settings } })
    expect(create.statusCode).toBe(400)
    expect((await t.request('GET', '/admin/v1/apps', admin)).json().apps).toHaveLength(1)
  })

  it('refuses prototype-polluting settings keys', async ({ t }) => {
    const { app_id } = (await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Acme' } })).json()
    const res = await t.tessera.server.inject({
      method: 'PATCH',
      url: `/admin/v1/apps/${app_id}`,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      payload: '{"settings":{"channels":{"constructor":{"prototype":{"polluted":true}}}}}',
    })
    expect(res.statusCode).toBe(400)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('renames an app and refuses empty or control-character names', async ({ t }) => {
    const { app_id } = (await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Acme' } })).json()
    expect(
      (await t.request('PATCH', `/admin/v1/apps/${app_id}`, { ...admin, body: { name: 'Acme Pay' } })).json().name,
    ).toBe('Acme Pay')
    for (const name of ['   ', 'a\u0000b', 'x'.repeat(101)]) {
      const res = await t.request('PATCH', `/admin/v1/apps/${app_id}`, { ...admin, body: { name } })
      expect(res.statusCode).toBe(400)
    }
  })

  it('answers 404 for an unknown app', async ({ t }) => {
    const res = await t.request('GET', '/admin/v1/apps/app_nope', admin)
    expect(res.statusCode).toBe(404)
    expect(res.json().error_code).toBe(4040)
  })

  it('pages the app list', async ({ t }) => {
    for (let i = 0; i < 5; i++) await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: `App ${i}` } })
    const first = (await t.request('GET', '/admin/v1/apps?limit=2', admin)).json()
    expect(first.apps).toHaveLength(2)
    const second = (await t.request('GET', `/admin/v1/apps?limit=2&after=${first.next_after}`, admin)).json()
    expect(second.apps).toHaveLength(2)
    expect(second.apps[0].app_id > first.apps[1].app_id).toBe(true)
  })
})

describe('operator API: keys', () => {
  it('shows a key’s secret once, lists keys without secrets, and revokes at once', async ({ t }) => {
    const { app_id } = (await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Acme' } })).json()
    const created = await t.request('POST', `/admin/v1/apps/${app_id}/keys`, { ...admin, body: { name: 'backend' } })
    expect(created.statusCode).toBe(201)
    const key = created.json()
    expect(key).toMatchObject({ name: 'backend', revoked_at: null })
    expect(key.key).toMatch(/^tsk_/)
    expect(key.key.startsWith(key.prefix)).toBe(true)

    const list = (await t.request('GET', `/admin/v1/apps/${app_id}/keys`, admin)).json()
    expect(list.keys).toHaveLength(1)
    expect(JSON.stringify(list)).not.toContain(key.key)

    const use = () =>
      t.request('POST', '/v1/verifications', { key: key.key, body: { channel: 'email', to: 'a@example.com' } })
    expect((await use()).statusCode).toBe(201)
    const revoked = await t.request('DELETE', `/admin/v1/apps/${app_id}/keys/${key.key_id}`, admin)
    expect(revoked.statusCode).toBe(204)
    const after = await use()
    expect(after.statusCode).toBe(401)
    expect(after.json()).toMatchObject({ error: 'unauthorized', error_code: 4010 })
    expect((await t.request('DELETE', `/admin/v1/apps/${app_id}/keys/${key.key_id}`, admin)).statusCode).toBe(404)
  })

  it('honours a revoke made by another instance once the key cache TTL has passed', async ({
    t,
    app: { appId },
    api,
  }) => {
    const start = () => api.start({ channel: 'email', to: 'a@example.com' })
    expect((await start()).statusCode).toBe(201)
    // Another instance writes to the shared database; this one hears nothing of it.
    const [row] = await t.tessera.store.apiKeys.listByApp(appId)
    expect(await t.tessera.store.apiKeys.revoke(appId, row?.id ?? '', t.clock.nowMs())).toBe(true)
    t.clock.advanceSeconds(APP_KEY_CACHE_TTL_MS / 1000)
    const after = await start()
    expect(after.statusCode).toBe(401)
    expect(after.json()).toMatchObject({ error: 'unauthorized' })
  })

  it('stores only a hash of each key', async ({ t, app: { appId, key } }) => {
    const rows = await t.tessera.store.apiKeys.listByApp(appId)
    expect(JSON.stringify(rows)).not.toContain(key)
  })

  it('cannot revoke one app’s key through another app', async ({ t }) => {
    const a = await t.createApp()
    const b = await t.createApp()
    const keyId = (await t.tessera.store.apiKeys.listByApp(a.appId))[0]?.id
    const res = await t.request('DELETE', `/admin/v1/apps/${b.appId}/keys/${keyId}`, admin)
    expect(res.statusCode).toBe(404)
    expect((await testApi(t, a.key).start({ channel: 'email', to: 'a@example.com' })).statusCode).toBe(201)
  })
})

describe('authentication', () => {
  it('refuses operator calls without the admin key, and app keys on operator routes', async ({ t, app: { key } }) => {
    expect((await t.request('GET', '/admin/v1/apps')).statusCode).toBe(401)
    expect((await t.request('GET', '/admin/v1/apps', { key: 'tadm_wrong_wrong_wrong_wrong' })).statusCode).toBe(401)
    const withAppKey = await t.request('GET', '/admin/v1/apps', { key })
    expect(withAppKey.statusCode).toBe(403)
    expect(withAppKey.json()).toMatchObject({ error: 'forbidden', error_code: 4030 })
  })

  it('refuses app calls without a key, with a malformed header, and with the admin key', async ({ t }) => {
    const body = { channel: 'email', to: 'a@example.com' }
    expect((await t.request('POST', '/v1/verifications', { body })).statusCode).toBe(401)
    expect(
      (await t.request('POST', '/v1/verifications', { body, headers: { authorization: 'Basic abc' } })).statusCode,
    ).toBe(401)
    expect((await t.request('POST', '/v1/verifications', { key: 'tsk_unknown', body })).statusCode).toBe(401)
    expect((await t.request('POST', '/v1/verifications', { key: TEST_ADMIN_KEY, body })).statusCode).toBe(403)
    expect(t.capture.messages).toHaveLength(0)
  })
})

describe('activity', () => {
  it('lists recent verifications masked, and security events', async ({ t, app: { appId }, api }) => {
    const started = (await api.start({ channel: 'email', to: 'grace@example.com' })).json()
    await api.verify(started.verification_id, 'ZZZZZZ')
    const list = await t.request('GET', `/admin/v1/apps/${appId}/verifications`, admin)
    expect(list.statusCode).toBe(200)
    expect(list.json().verifications[0]).toMatchObject({
      verification_id: started.verification_id,
      to: 'g***@e***.com',
    })
    expect(list.body).not.toContain('grace@example.com')

    const events = (
      await t.request('GET', `/admin/v1/apps/${appId}/events?kind=verification.attempt_failed`, admin)
    ).json()
    expect(events.events).toHaveLength(1)
    expect(events.events[0]).toMatchObject({
      kind: 'verification.attempt_failed',
      verification_id: started.verification_id,
      to: 'g***@e***.com',
    })
  })
})
