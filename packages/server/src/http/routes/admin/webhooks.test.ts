import { TEST_ADMIN_KEY } from '../../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../../test/helpers/fixtures.js'

const admin = { key: TEST_ADMIN_KEY }

describe('POST/GET/PATCH/DELETE /admin/v1/apps/{app_id}/webhooks', () => {
  it('creates an endpoint showing its whsec_ secret once, lists, changes, rotates and deletes it', async ({
    t,
    app,
  }) => {
    const base = `/admin/v1/apps/${app.appId}/webhooks`
    const created = await t.request('POST', base, {
      ...admin,
      body: { url: 'https://hooks.example.com/tessera', events: ['verification.approved'], description: 'CRM' },
    })
    expect(created.statusCode, created.body).toBe(201)
    const body = created.json()
    expect(body).toMatchObject({
      url: 'https://hooks.example.com/tessera',
      events: ['verification.approved'],
      enabled: true,
      description: 'CRM',
    })
    expect(body.webhook_id).toMatch(/^whk_/)
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
    expect(Buffer.from(body.secret.slice(6), 'base64').length).toBe(32)

    const listed = await t.request('GET', base, admin)
    expect(listed.statusCode).toBe(200)
    expect(listed.json().webhooks).toHaveLength(1)
    expect(listed.body).not.toContain(body.secret)
    expect(listed.body).not.toContain(body.secret.slice(6))

    const changed = await t.request('PATCH', `${base}/${body.webhook_id}`, {
      ...admin,
      body: { events: ['*'], enabled: false },
    })
    expect(changed.statusCode, changed.body).toBe(200)
    expect(changed.json()).toMatchObject({ events: ['*'], enabled: false, url: 'https://hooks.example.com/tessera' })
    expect(changed.json().secret).toBeUndefined()

    const rotated = await t.request('POST', `${base}/${body.webhook_id}/rotate-secret`, admin)
    expect(rotated.statusCode, rotated.body).toBe(200)
    expect(rotated.json().secret).toMatch(/^whsec_/)
    expect(rotated.json().secret).not.toBe(body.secret)
    expect(Date.parse(rotated.json().previous_secret_expires_at) - t.clock.nowMs()).toBe(24 * 3600 * 1000)

    expect((await t.request('DELETE', `${base}/${body.webhook_id}`, admin)).statusCode).toBe(204)
    const gone = await t.request('GET', `${base}/${body.webhook_id}`, admin)
    expect(gone.statusCode).toBe(404)
    expect(gone.json()).toMatchObject({ error: 'webhook_not_found', error_code: 4120 })
  })

  it('accepts https anywhere and http only on loopback, and refuses unknown event types', async ({ t, app }) => {
    const base = `/admin/v1/apps/${app.appId}/webhooks`
    const post = (body: Record<string, unknown>) => t.request('POST', base, { ...admin, body })
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]:9/x']) {
      expect((await post({ url })).statusCode, url).toBe(201)
    }
    for (const url of [
      'http://hooks.example.com/x',
      'http://10.0.0.1/x',
      'ftp://example.com/x',
      'not a url',
      'https://u:p@example.com/',
    ]) {
      const res = await post({ url })
      expect(res.statusCode, url).toBe(400)
      expect(res.json(), url).toMatchObject({ error: 'invalid_webhook_url', error_code: 4122 })
    }
    const unknown = await post({ url: 'https://example.com/x', events: ['verification.exploded'] })
    expect(unknown.json()).toMatchObject({ error: 'invalid_request' })
    const other = await t.createApp()
    const list = await t.request('GET', `/admin/v1/apps/${other.appId}/webhooks`, admin)
    expect(list.json().webhooks).toEqual([])
  })

  it('holds the limit of 10 endpoints under parallel creations', async ({ t, app }) => {
    const base = `/admin/v1/apps/${app.appId}/webhooks`
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        t.request('POST', base, { ...admin, body: { url: `https://example.com/hook/${i}` } }),
      ),
    )
    expect(answers.filter((res) => res.statusCode === 201)).toHaveLength(10)
    const refused = answers.filter((res) => res.statusCode === 409)
    expect(refused).toHaveLength(6)
    expect(refused[0]?.json()).toMatchObject({ error: 'webhook_limit_reached', error_code: 4121 })
    expect((await t.request('GET', base, admin)).json().webhooks).toHaveLength(10)
  })
})
