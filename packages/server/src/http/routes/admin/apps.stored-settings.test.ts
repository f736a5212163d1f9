import { describe, expect, it } from '../../../../test/helpers/fixtures.js'

// Settings are stored as saved; what a later version adds (a channel, a type's options, a setting) is read
// from the schema's defaults, so an app saved before it still works instead of failing on a missing slice.

describe('settings stored before a slice existed', () => {
  it('read with the defaults filled: a channel and a type option missing from the row still work', async ({
    t,
    app,
    api,
  }) => {
    const row = await t.tessera.store.apps.findById(app.appId)
    const stored = JSON.parse(row?.settings ?? '{}') as { channels: Record<string, unknown>; totp?: unknown }
    delete stored.channels.email
    delete stored.totp
    await t.tessera.store.apps.update(app.appId, { settings: JSON.stringify(stored), updatedAt: t.clock.nowMs() })
    // Past the key cache, so the row is read again.
    t.clock.advanceSeconds(10)
    const started = await api.start({ channel: 'email', to: 'ada@example.com' })
    expect(started.statusCode, started.body).toBe(201)
    const read = await t.request('GET', `/admin/v1/apps/${app.appId}`, { key: 'tadm_test_admin_key_0123456789abcdef' })
    expect(read.json().settings.channels.email).toMatchObject({ enabled: true, code_length: 6 })
    expect(read.json().settings.totp).toMatchObject({ digits: 6 })
  })
})
