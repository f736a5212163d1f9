import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'

// Removing a factor: a step-up token of the same user from one of their factors, or the admin key.

let t: TestApp
let key: string
let appId: string

beforeEach(async () => {
  t = await createTestApp()
  ;({ key, appId } = await t.createApp())
})
afterEach(async () => {
  await t.close()
})

const ADA = 'u_ada'
const BOB = 'u_bob'
const PHONE = '+14155552671'
const PASSWORD = 'correct horse battery staple'

const bind = (user: string, body: Record<string, unknown>) =>
  t.request('POST', `/v1/users/${user}/factors`, { key, body })
const remove = (user: string, factorId: string, token?: string) =>
  t.request('DELETE', `/v1/users/${user}/factors/${factorId}`, {
    key,
    ...(token === undefined ? {} : { headers: { 'x-verification-token': token } }),
  })
const list = async (user: string) =>
  (await t.request('GET', `/v1/users/${user}/factors`, { key })).json().factors as Array<{ factor_id: string }>

async function passwordFactor(user: string): Promise<string> {
  const res = await bind(user, { type: 'password', password: PASSWORD })
  expect(res.statusCode).toBe(201)
  return res.json().factor_id
}

/** A token from a challenge of the user's password factor in `scene`. */
async function factorToken(user: string, scene = 'step-up'): Promise<string> {
  const started = await t.request('POST', `/v1/users/${user}/challenges`, { key, body: { scene, type: 'password' } })
  expect(started.statusCode).toBe(201)
  const res = await t.request('POST', '/v1/verifications/verify', {
    key,
    body: { verification_id: started.json().verification_id, verification_code: PASSWORD },
  })
  expect(res.statusCode).toBe(200)
  return res.json().verification_token
}

function expectForbidden(res: { statusCode: number; json(): Record<string, unknown> }): void {
  expect(res.statusCode).toBe(403)
  expect(res.json()).toMatchObject({ error: 'forbidden', error_code: 4030 })
}

describe('DELETE /v1/users/{user_id}/factors/{factor_id}', () => {
  let adaPassword: string
  let adaCodes: string
  beforeEach(async () => {
    adaPassword = await passwordFactor(ADA)
    adaCodes = (await bind(ADA, { type: 'backup-code' })).json().factor_id
  })

  it('refuses without X-Verification-Token (403)', async () => {
    expectForbidden(await remove(ADA, adaCodes))
    expect(await list(ADA)).toHaveLength(2)
  })

  it('refuses a token that is not a token (403)', async () => {
    expectForbidden(await remove(ADA, adaCodes, 'not-a-token'))
    expect(await list(ADA)).toHaveLength(2)
  })

  it('a plain step-up verification for a user must use one of their factors: an unbound phone is refused (403), sending nothing', async () => {
    const started = await t.request('POST', '/v1/verifications', {
      key,
      body: { channel: 'sms', to: PHONE, scene: 'step-up', user_id: ADA },
    })
    expect(started.statusCode).toBe(403)
    expect(started.json()).toMatchObject({ error: 'factor_not_allowed', error_code: 4031 })
    expect(t.capture.messages).toHaveLength(0)
    expect(await list(ADA)).toHaveLength(2)
  })

  it('a plain step-up verification to a phone the user has bound proves that factor: its token names it and removes', async () => {
    const phone = await bind(ADA, { type: 'sms', to: PHONE })
    const phoneId = phone.json().factor_id as string
    const activated = await t.request('POST', `/v1/users/${ADA}/factors/${phoneId}/activate`, {
      key,
      body: { verification_code: t.capture.lastCode(PHONE) },
    })
    expect(activated.statusCode).toBe(200)
    const started = await t.request('POST', '/v1/verifications', {
      key,
      body: { channel: 'sms', to: PHONE, scene: 'step-up', user_id: ADA },
    })
    expect(started.statusCode).toBe(201)
    expect(started.json().factor_id).toBe(phoneId)
    const approved = await t.request('POST', '/v1/verifications/verify', {
      key,
      body: { verification_id: started.json().verification_id, verification_code: t.capture.lastCode(PHONE) },
    })
    const token = approved.json().verification_token
    expect(
      (await t.request('POST', '/v1/tokens/verify', { key, body: { verification_token: token } })).json(),
    ).toMatchObject({ active: true, scene: 'step-up', user_id: ADA, factor_id: phoneId, amr: ['sms'] })
    expect((await remove(ADA, adaCodes, token)).statusCode).toBe(204)
    expect(await list(ADA)).toHaveLength(2)
  })

  it('refuses a step-up token of another user', async () => {
    await passwordFactor(BOB)
    const bobsToken = await factorToken(BOB)
    expectForbidden(await remove(ADA, adaCodes, bobsToken))
    expect(await list(ADA)).toHaveLength(2)
    // Bob's token was not used up by the refusal: it still removes Bob's own factor.
    const bobs = (await list(BOB))[0]?.factor_id ?? ''
    expect((await remove(BOB, bobs, bobsToken)).statusCode).toBe(204)
  })

  it('refuses a token of the same user from another scene (2fa, login)', async () => {
    expectForbidden(await remove(ADA, adaCodes, await factorToken(ADA, 'login')))
    // A new set replaces the old one: that needs a step-up token too.
    const codes = (
      await t.request('POST', `/v1/users/${ADA}/factors`, {
        key,
        body: { type: 'backup-code' },
        headers: { 'x-verification-token': await factorToken(ADA) },
      })
    ).json()
    const started = await t.request('POST', `/v1/users/${ADA}/challenges`, {
      key,
      body: { scene: '2fa', type: 'backup-code' },
    })
    const twoFa = await t.request('POST', '/v1/verifications/verify', {
      key,
      body: { verification_id: started.json().verification_id, verification_code: codes.codes[0] },
    })
    expectForbidden(await remove(ADA, adaPassword, twoFa.json().verification_token))
    expect((await list(ADA)).map((f) => f.factor_id)).toContain(adaPassword)
  })

  it('refuses an expired step-up token', async () => {
    const token = await factorToken(ADA)
    t.clock.advanceSeconds(601)
    expectForbidden(await remove(ADA, adaCodes, token))
  })

  it('removes with a step-up token from the same user’s factor challenge (204), and the token is used up', async () => {
    const token = await factorToken(ADA)
    const res = await remove(ADA, adaCodes, token)
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    expect((await list(ADA)).map((f) => f.factor_id)).toEqual([adaPassword])

    // The same token again, for another factor: consumed.
    expectForbidden(await remove(ADA, adaPassword, token))
    expect((await list(ADA)).map((f) => f.factor_id)).toEqual([adaPassword])
    expect((await t.request('POST', '/v1/tokens/verify', { key, body: { verification_token: token } })).json()).toEqual(
      {
        active: false,
        reason: 'consumed',
      },
    )
  })

  it('a factor may be removed with a token of itself (the last factor too)', async () => {
    await remove(ADA, adaCodes, await factorToken(ADA))
    expect((await remove(ADA, adaPassword, await factorToken(ADA))).statusCode).toBe(204)
    expect(await list(ADA)).toEqual([])
    expect(
      (await t.request('POST', `/v1/users/${ADA}/challenges`, { key, body: { scene: 'step-up', type: 'password' } }))
        .statusCode,
    ).toBe(404)
  })

  it('an open challenge of a removed factor can no longer be answered', async () => {
    const started = await t.request('POST', `/v1/users/${ADA}/challenges`, {
      key,
      body: { scene: 'step-up', factor_id: adaCodes },
    })
    expect((await remove(ADA, adaCodes, await factorToken(ADA))).statusCode).toBe(204)
    const res = await t.request('POST', '/v1/verifications/verify', {
      key,
      body: { verification_id: started.json().verification_id, verification_code: 'ABCDE-FGHJK' },
    })
    expect(res.statusCode).toBe(404)
    expect(res.json().error).toBe('factor_not_found')
  })

  it('an unknown factor answers 404 factor_not_found (4041), and the token is not used up', async () => {
    const token = await factorToken(ADA)
    const res = await remove(ADA, 'fac_doesnotexist', token)
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error: 'factor_not_found', error_code: 4041 })
    expect((await remove(ADA, adaCodes, token)).statusCode).toBe(204)
  })

  it('another user’s factor id answers 404, even with that other user’s valid token', async () => {
    const bobs = await passwordFactor(BOB)
    const adaToken = await factorToken(ADA)
    const viaAda = await remove(ADA, bobs, adaToken)
    expect(viaAda.statusCode).toBe(404)
    expect(viaAda.json()).toMatchObject({ error: 'factor_not_found', error_code: 4041 })
    const viaAdaWithBobsToken = await remove(ADA, bobs, await factorToken(BOB))
    expect(viaAdaWithBobsToken.statusCode).toBe(404)
    expect((await list(BOB)).map((f) => f.factor_id)).toEqual([bobs])
  })

  it('another app cannot remove the factor, even with a token this app issued', async () => {
    const other = await t.createApp()
    const token = await factorToken(ADA)
    const res = await t.request('DELETE', `/v1/users/${ADA}/factors/${adaCodes}`, {
      key: other.key,
      headers: { 'x-verification-token': token },
    })
    expect(res.statusCode).toBe(404)
    expect(await list(ADA)).toHaveLength(2)
  })

  it('records factor.removed, by the user', async () => {
    await remove(ADA, adaCodes, await factorToken(ADA))
    const events = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=factor.removed`, { key: TEST_ADMIN_KEY })
    expect(events.json().events).toHaveLength(1)
    expect(events.json().events[0].details).toMatchObject({
      factor_id: adaCodes,
      user_id: ADA,
      type: 'backup-code',
      by: 'user',
    })
  })
})

describe('admin: a user’s factors', () => {
  const adminList = (user: string, app = appId) =>
    t.request('GET', `/admin/v1/apps/${app}/users/${user}/factors`, { key: TEST_ADMIN_KEY })
  const adminRemove = (user: string, factorId: string, app = appId) =>
    t.request('DELETE', `/admin/v1/apps/${app}/users/${user}/factors/${factorId}`, { key: TEST_ADMIN_KEY })

  it('lists the factors, masked, with backup codes remaining', async () => {
    const bound = (await bind(ADA, { type: 'sms', to: PHONE })).json()
    await t.request('POST', `/v1/users/${ADA}/factors/${bound.factor_id}/activate`, {
      key,
      body: { verification_code: t.capture.lastCode(PHONE) },
    })
    t.clock.advanceSeconds(1)
    await bind(ADA, { type: 'backup-code' })
    const res = await adminList(ADA)
    expect(res.statusCode).toBe(200)
    expect(res.json().factors).toMatchObject([
      { factor_id: bound.factor_id, type: 'sms', status: 'active', to: '+14*******71', user_id: ADA },
      { type: 'backup-code', status: 'active', backup_codes_remaining: 10 },
    ])
    expect(res.body).not.toContain(PHONE)
    expect((await adminList('u_nobody')).json()).toEqual({ factors: [] })
  })

  it('removes a factor without step-up, and records factor.removed by admin', async () => {
    const password = await passwordFactor(ADA)
    const res = await adminRemove(ADA, password)
    expect(res.statusCode).toBe(204)
    expect(await list(ADA)).toEqual([])
    const events = await t.request('GET', `/admin/v1/apps/${appId}/events`, { key: TEST_ADMIN_KEY })
    const removed = (events.json().events as Array<{ kind: string; details: Record<string, unknown> }>).filter(
      (e) => e.kind === 'factor.removed',
    )
    expect(removed).toHaveLength(1)
    expect(removed[0]?.details).toMatchObject({ factor_id: password, user_id: ADA, type: 'password', by: 'admin' })
    expect((await adminRemove(ADA, password)).statusCode).toBe(404)
  })

  it('answers 404 for another user’s factor, an unknown app, and an unknown factor', async () => {
    const password = await passwordFactor(ADA)
    expect((await adminRemove(BOB, password)).statusCode).toBe(404)
    expect((await adminRemove(ADA, password, 'app_doesnotexist')).statusCode).toBe(404)
    expect((await adminList(ADA, 'app_doesnotexist')).statusCode).toBe(404)
    const unknown = await adminRemove(ADA, 'fac_doesnotexist')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error_code).toBe(4041)
    expect(await list(ADA)).toHaveLength(1)
  })

  it('is the admin key’s alone: an app key gets 401/403', async () => {
    const password = await passwordFactor(ADA)
    const listed = await t.request('GET', `/admin/v1/apps/${appId}/users/${ADA}/factors`, { key })
    expect([401, 403]).toContain(listed.statusCode)
    const removed = await t.request('DELETE', `/admin/v1/apps/${appId}/users/${ADA}/factors/${password}`, { key })
    expect([401, 403]).toContain(removed.statusCode)
    expect(await list(ADA)).toHaveLength(1)
  })
})
