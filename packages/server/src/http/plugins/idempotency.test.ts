import type { LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { createSharedDatabaseInstances } from '../../../test/helpers/shared-database.js'

// Idempotency-Key on the routes that send or create (http/plugins/idempotency.ts): a retried request answers
// the first answer again and sends nothing, in parallel and across instances sharing one database.

const PHONE = '+14155550101'
const START = { channel: 'sms', to: PHONE }
const withKey = (key: string) => ({ 'idempotency-key': key })
const replayed = (response: LightMyRequestResponse) => response.headers['idempotent-replayed'] === 'true'

describe('Idempotency-Key on POST /v1/verifications', () => {
  it('answers the first answer again, byte for byte, and sends nothing more', async ({ t, app }) => {
    const first = await t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-1') })
    expect(first.statusCode, first.body).toBe(201)
    expect(replayed(first)).toBe(false)
    // Key order and spacing do not make another request.
    const again = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: { to: PHONE, channel: 'sms' },
      headers: withKey('k-1'),
    })
    expect(again.statusCode).toBe(201)
    expect(replayed(again)).toBe(true)
    expect(again.body).toBe(first.body)
    expect(again.headers['content-type']).toMatch(/^application\/json/)
    expect(t.capture.messages).toHaveLength(1)
  })

  it('answers 422 idempotency_key_reused for the same key with another body, and sends nothing', async ({ t, app }) => {
    await t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-2') })
    const other = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: { ...START, to: '+14155550102' },
      headers: withKey('k-2'),
    })
    expect(other.statusCode).toBe(422)
    expect(other.json()).toMatchObject({ error: 'idempotency_key_reused', error_code: 4140 })
    expect(t.capture.messages).toHaveLength(1)
  })

  it('answers 409 request_in_progress while the first request with the key is still running', async ({ t, app }) => {
    const release = t.capture.hold()
    const first = t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-3') })
    // Let the first request reach the provider (it holds the claim from then on).
    await expect
      .poll(async () => {
        const row = await t.tessera.store.idempotencyKeys.find(app.appId, 'k-3')
        return row?.responseStatus === null
      })
      .toBe(true)
    const during = await t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-3') })
    expect(during.statusCode).toBe(409)
    expect(during.json()).toMatchObject({ error: 'request_in_progress', error_code: 4141, retry_after: 1 })
    expect(during.headers['retry-after']).toBe('1')
    release()
    const answered = await first
    expect(answered.statusCode).toBe(201)
    const after = await t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-3') })
    expect(replayed(after)).toBe(true)
    expect(after.json().verification_id).toBe(answered.json().verification_id)
    expect(t.capture.messages).toHaveLength(1)
  })

  it('lets 30 parallel requests with one key send exactly one code', async ({ t, app }) => {
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-parallel') }),
      ),
    )
    const originals = results.filter((r) => r.statusCode === 201 && !replayed(r))
    expect(originals).toHaveLength(1)
    for (const result of results) {
      expect([201, 409]).toContain(result.statusCode)
      if (result.statusCode === 201) expect(result.body).toBe(originals[0]?.body)
    }
    expect(t.capture.messages).toHaveLength(1)
  })

  it('keeps keys per app: another app’s same key starts its own verification', async ({ t, app, appWith }) => {
    const other = await appWith()
    const mine = await t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('shared') })
    const theirs = await t.request('POST', '/v1/verifications', {
      key: other.key,
      body: START,
      headers: withKey('shared'),
    })
    expect(theirs.statusCode).toBe(201)
    expect(replayed(theirs)).toBe(false)
    expect(theirs.json().verification_id).not.toBe(mine.json().verification_id)
    expect(t.capture.messages).toHaveLength(2)
  })

  it('forgets a key after 24 hours: the same request then runs again', async ({ t, app }) => {
    const first = await t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-day') })
    t.clock.advanceSeconds(24 * 3600 - 1)
    const within = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: START,
      headers: withKey('k-day'),
    })
    expect(replayed(within)).toBe(true)
    t.clock.advanceSeconds(1)
    const after = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: { ...START, to: '+14155550103' },
      headers: withKey('k-day'),
    })
    expect(after.statusCode).toBe(201)
    expect(replayed(after)).toBe(false)
    expect(after.json().verification_id).not.toBe(first.json().verification_id)
    expect(t.capture.messages).toHaveLength(2)
  })

  it('refuses a key that is empty, too long or not printable ASCII, and changes nothing', async ({ t, app }) => {
    for (const bad of ['', 'x'.repeat(256), 'clé', 'tab\there']) {
      const response = await t.request('POST', '/v1/verifications', {
        key: app.key,
        body: START,
        headers: withKey(bad),
      })
      expect(response.statusCode, JSON.stringify(bad)).toBe(400)
      expect(response.json().error).toBe('invalid_request')
    }
    const longest = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: START,
      headers: withKey(`~ ${'x'.repeat(253)}`),
    })
    expect(longest.statusCode).toBe(201)
    expect(t.capture.messages).toHaveLength(1)
  })

  it('replays a refusal that is final (400), but not a failed delivery (502): its retry runs again', async ({
    t,
    app,
  }) => {
    const invalid = { channel: 'sms', to: '12' }
    const refused = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: invalid,
      headers: withKey('k-400'),
    })
    expect(refused.statusCode).toBe(400)
    const refusedAgain = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: invalid,
      headers: withKey('k-400'),
    })
    expect(refusedAgain.statusCode).toBe(400)
    expect(replayed(refusedAgain)).toBe(true)

    t.capture.failNext()
    const failed = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: START,
      headers: withKey('k-502'),
    })
    expect(failed.statusCode).toBe(502)
    const retried = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: START,
      headers: withKey('k-502'),
    })
    expect(retried.statusCode).toBe(201)
    expect(replayed(retried)).toBe(false)
    expect(t.capture.messages).toHaveLength(1)
  })

  it('takes over a claim whose request was lost with its process, after five minutes, for the same request only', async ({
    t,
    app,
  }) => {
    const release = t.capture.hold()
    const lost = t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-lost') })
    await expect
      .poll(async () => (await t.tessera.store.idempotencyKeys.find(app.appId, 'k-lost')) !== undefined)
      .toBe(true)
    t.clock.advanceSeconds(5 * 60 - 1)
    const early = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: START,
      headers: withKey('k-lost'),
    })
    expect(early.statusCode).toBe(409)
    t.clock.advanceSeconds(1)
    const other = await t.request('POST', '/v1/verifications', {
      key: app.key,
      body: { ...START, to: '+14155550104' },
      headers: withKey('k-lost'),
    })
    expect(other.statusCode).toBe(422)
    const takeover = t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-lost') })
    await expect
      .poll(async () => (await t.tessera.store.idempotencyKeys.find(app.appId, 'k-lost'))?.createdAt)
      .toBe(t.clock.nowMs())
    release()
    const [lostAnswer, takenAnswer] = await Promise.all([lost, takeover])
    expect(takenAnswer.statusCode).toBe(201)
    expect(replayed(takenAnswer)).toBe(false)
    // The claim that lapsed does not overwrite the answer of the one that took over.
    const same = await t.request('POST', '/v1/verifications', { key: app.key, body: START, headers: withKey('k-lost') })
    expect(replayed(same)).toBe(true)
    expect(same.body).toBe(takenAnswer.body)
    expect(same.body).not.toBe(lostAnswer.body)
  })
})

describe('Idempotency-Key on the other routes that send or create', () => {
  it('replays a resend without sending again; a 429 (too soon) is not kept, so its retry runs later', async ({
    t,
    api,
  }) => {
    const { id } = await api.startOk(START)
    const early = await t.request('POST', `/v1/verifications/${id}/resend`, {
      key: api.key,
      body: {},
      headers: withKey('r-1'),
    })
    expect(early.statusCode).toBe(429)
    t.clock.advanceSeconds(60)
    const resent = await t.request('POST', `/v1/verifications/${id}/resend`, {
      key: api.key,
      body: {},
      headers: withKey('r-1'),
    })
    expect(resent.statusCode).toBe(200)
    expect(replayed(resent)).toBe(false)
    t.clock.advanceSeconds(60)
    const again = await t.request('POST', `/v1/verifications/${id}/resend`, { key: api.key, headers: withKey('r-1') })
    expect(again.statusCode).toBe(200)
    expect(replayed(again)).toBe(true)
    expect(again.body).toBe(resent.body)
    expect(t.capture.messages).toHaveLength(2)
  })

  it('counts the path as part of the request: the same key on another verification’s resend is reused', async ({
    t,
    api,
  }) => {
    const a = await api.startOk(START)
    const b = await api.startOk({ ...START, to: '+14155550105' })
    t.clock.advanceSeconds(60)
    await t.request('POST', `/v1/verifications/${a.id}/resend`, { key: api.key, body: {}, headers: withKey('r-2') })
    const other = await t.request('POST', `/v1/verifications/${b.id}/resend`, {
      key: api.key,
      body: {},
      headers: withKey('r-2'),
    })
    expect(other.statusCode).toBe(422)
  })

  it('replays a factor bind, its one-time reveal included, and keeps that answer sealed at rest', async ({
    t,
    app,
    api,
  }) => {
    const first = await t.request('POST', '/v1/users/u_1/factors', {
      key: api.key,
      body: { type: 'totp' },
      headers: withKey('b-1'),
    })
    expect(first.statusCode, first.body).toBe(201)
    const again = await t.request('POST', '/v1/users/u_1/factors', {
      key: api.key,
      body: { type: 'totp' },
      headers: withKey('b-1'),
    })
    expect(replayed(again)).toBe(true)
    expect(again.body).toBe(first.body)
    expect(await api.factors('u_1')).toHaveLength(1)
    const row = await t.tessera.store.idempotencyKeys.find(app.appId, 'b-1')
    const secret: string = first.json().secret
    expect(secret.length).toBeGreaterThan(10)
    expect(row?.responseStatus).toBe(201)
    expect(row?.responseBody).toBeTruthy()
    expect(row?.responseBody).not.toContain(secret)
  })

  it('replays a delivered-code bind and a challenge without sending twice', async ({ t, api }) => {
    const bind = () =>
      t.request('POST', '/v1/users/u_2/factors', {
        key: api.key,
        body: { type: 'sms', to: PHONE },
        headers: withKey('b-2'),
      })
    const bound = await bind()
    expect(bound.statusCode, bound.body).toBe(201)
    expect(replayed(await bind())).toBe(true)
    expect(t.capture.messages).toHaveLength(1)
    const activated = await api.activate('u_2', bound.json().factor_id, t.capture.codeOf(bound.json().verification_id))
    expect(activated.statusCode).toBe(200)
    const challenge = () =>
      t.request('POST', '/v1/users/u_2/challenges', {
        key: api.key,
        body: { scene: '2fa', type: 'sms' },
        headers: withKey('c-1'),
      })
    const challenged = await challenge()
    expect(challenged.statusCode, challenged.body).toBe(201)
    const again = await challenge()
    expect(replayed(again)).toBe(true)
    expect(again.json().verification_id).toBe(challenged.json().verification_id)
    expect(t.capture.messages).toHaveLength(2)
  })

  it('replays a hosted session', async ({ t, appWith }) => {
    const { key } = await appWith({ redirect_urls: ['https://app.example.com/done'] })
    const create = () =>
      t.request('POST', '/v1/sessions', {
        key,
        body: { channel: 'sms', redirect_url: 'https://app.example.com/done' },
        headers: withKey('s-1'),
      })
    const first = await create()
    expect(first.statusCode, first.body).toBe(201)
    const again = await create()
    expect(replayed(again)).toBe(true)
    expect(again.json().session_id).toBe(first.json().session_id)
  })
})

describe('Idempotency-Key across instances on one database', () => {
  it('lets requests with one key on several instances send exactly one code', async () => {
    const shared = await createSharedDatabaseInstances(3)
    try {
      const [first] = shared.instances
      if (!first) throw new Error('no instance')
      const admin = { authorization: 'Bearer tadm_test_admin_key_0123456789abcdef', 'content-type': 'application/json' }
      const created = await first.server.inject({
        method: 'POST',
        url: '/admin/v1/apps',
        headers: admin,
        payload: '{"name":"A"}',
      })
      const appId = created.json().app_id
      const keyed = await first.server.inject({
        method: 'POST',
        url: `/admin/v1/apps/${appId}/keys`,
        headers: admin,
        payload: '{}',
      })
      const headers = {
        authorization: `Bearer ${keyed.json().key}`,
        'content-type': 'application/json',
        'idempotency-key': 'across',
      }
      const send = (index: number) =>
        shared.instances[index % shared.instances.length]?.server.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers,
          payload: JSON.stringify(START),
        }) as Promise<LightMyRequestResponse>
      // PostgreSQL serves instances at once; one SQLite file is written by one process at a time (see
      // shared-database.ts), so there the instances take turns.
      const results =
        process.env.TEST_DATABASE === 'postgres'
          ? await Promise.all(Array.from({ length: 24 }, (_, i) => send(i)))
          : await (async () => {
              const answers: LightMyRequestResponse[] = []
              for (let i = 0; i < 6; i++) answers.push(await send(i))
              return answers
            })()
      const originals = results.filter((r) => r.statusCode === 201 && !replayed(r))
      expect(originals).toHaveLength(1)
      expect(results.every((r) => r.statusCode === 201 || r.statusCode === 409)).toBe(true)
      expect(shared.capture.messages).toHaveLength(1)
      const later = await send(1)
      expect(replayed(later)).toBe(true)
      expect(later.body).toBe(originals[0]?.body)
    } finally {
      await shared.close()
    }
  })
})
