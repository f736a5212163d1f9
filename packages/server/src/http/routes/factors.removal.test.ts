import { TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'

// Removing a factor: a step-up token of the same user from one of their factors, or the admin key.

const ADA = 'u_ada'
const BOB = 'u_bob'
const PHONE = '+14155552671'
const PASSWORD = 'correct horse battery staple'

const list = async (api: TestApi, user: string) => (await api.factors(user)) as Array<{ factor_id: string }>

async function passwordFactor(api: TestApi, user: string): Promise<string> {
  const res = await api.bind(user, { type: 'password', password: PASSWORD })
  expect(res.statusCode).toBe(201)
  return res.json().factor_id
}

/** A token from a challenge of the user's password factor in `scene`. */
async function factorToken(api: TestApi, user: string, scene = 'step-up'): Promise<string> {
  const res = await api.verify(await api.challengeOk(user, { scene, type: 'password' }), PASSWORD)
  expect(res.statusCode).toBe(200)
  return res.json().verification_token
}

/** Ada's password and backup-code factors, which every removal test starts with. */
async function adaFactors(api: TestApi): Promise<{ adaPassword: string; adaCodes: string }> {
  const adaPassword = await passwordFactor(api, ADA)
  const adaCodes = (await api.bind(ADA, { type: 'backup-code' })).json().factor_id
  return { adaPassword, adaCodes }
}

function expectForbidden(res: { statusCode: number; json(): Record<string, unknown> }): void {
  expect(res.statusCode).toBe(403)
  expect(res.json()).toMatchObject({ error: 'forbidden', error_code: 4030 })
}

describe('DELETE /v1/users/{user_id}/factors/{factor_id}', () => {
  it('refuses without X-Verification-Token (403)', async ({ api }) => {
    const { adaCodes } = await adaFactors(api)
    expectForbidden(await api.remove(ADA, adaCodes))
    expect(await list(api, ADA)).toHaveLength(2)
  })

  it('refuses a token that is not a token (403)', async ({ api }) => {
    const { adaCodes } = await adaFactors(api)
    expectForbidden(await api.remove(ADA, adaCodes, 'not-a-token'))
    expect(await list(api, ADA)).toHaveLength(2)
  })

  it('a plain step-up verification for a user must use one of their factors: an unbound phone is refused (403), sending nothing', async ({
    t,
    api,
  }) => {
    await adaFactors(api)
    const started = await api.start({ channel: 'sms', to: PHONE, scene: 'step-up', user_id: ADA })
    expect(started.statusCode).toBe(403)
    expect(started.json()).toMatchObject({ error: 'factor_not_allowed', error_code: 4031 })
    expect(t.capture.messages).toHaveLength(0)
    expect(await list(api, ADA)).toHaveLength(2)
  })

  it('a plain step-up verification to a phone the user has bound proves that factor: its token names it and removes', async ({
    t,
    api,
  }) => {
    const { adaCodes } = await adaFactors(api)
    const phone = await api.bind(ADA, { type: 'sms', to: PHONE })
    const phoneId = phone.json().factor_id as string
    const activated = await api.activate(ADA, phoneId, t.capture.lastCode(PHONE))
    expect(activated.statusCode).toBe(200)
    const started = await api.start({ channel: 'sms', to: PHONE, scene: 'step-up', user_id: ADA })
    expect(started.statusCode).toBe(201)
    expect(started.json().factor_id).toBe(phoneId)
    const approved = await api.verify(started.json().verification_id, t.capture.lastCode(PHONE))
    const token = approved.json().verification_token
    expect((await api.introspect(token)).json()).toMatchObject({
      active: true,
      scene: 'step-up',
      user_id: ADA,
      factor_id: phoneId,
      amr: ['sms'],
    })
    expect((await api.remove(ADA, adaCodes, token)).statusCode).toBe(204)
    expect(await list(api, ADA)).toHaveLength(2)
  })

  it('refuses a step-up token of another user', async ({ api }) => {
    const { adaCodes } = await adaFactors(api)
    await passwordFactor(api, BOB)
    const bobsToken = await factorToken(api, BOB)
    expectForbidden(await api.remove(ADA, adaCodes, bobsToken))
    expect(await list(api, ADA)).toHaveLength(2)
    // Bob's token was not used up by the refusal: it still removes Bob's own factor.
    const bobs = (await list(api, BOB))[0]?.factor_id ?? ''
    expect((await api.remove(BOB, bobs, bobsToken)).statusCode).toBe(204)
  })

  it('refuses a token of the same user from another scene (2fa, login)', async ({ api }) => {
    const { adaPassword, adaCodes } = await adaFactors(api)
    expectForbidden(await api.remove(ADA, adaCodes, await factorToken(api, ADA, 'login')))
    // A new set replaces the old one: that needs a step-up token too.
    const codes = (await api.bind(ADA, { type: 'backup-code' }, await factorToken(api, ADA))).json()
    const started = await api.challenge(ADA, { scene: '2fa', type: 'backup-code' })
    const twoFa = await api.verify(started.json().verification_id, codes.codes[0])
    expectForbidden(await api.remove(ADA, adaPassword, twoFa.json().verification_token))
    expect((await list(api, ADA)).map((f) => f.factor_id)).toContain(adaPassword)
  })

  it('refuses an expired step-up token', async ({ t, api }) => {
    const { adaCodes } = await adaFactors(api)
    const token = await factorToken(api, ADA)
    t.clock.advanceSeconds(601)
    expectForbidden(await api.remove(ADA, adaCodes, token))
  })

  it('removes with a step-up token from the same user’s factor challenge (204), and the token is used up', async ({
    api,
  }) => {
    const { adaPassword, adaCodes } = await adaFactors(api)
    const token = await factorToken(api, ADA)
    const res = await api.remove(ADA, adaCodes, token)
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    expect((await list(api, ADA)).map((f) => f.factor_id)).toEqual([adaPassword])

    // The same token again, for another factor: consumed.
    expectForbidden(await api.remove(ADA, adaPassword, token))
    expect((await list(api, ADA)).map((f) => f.factor_id)).toEqual([adaPassword])
    expect((await api.introspect(token)).json()).toEqual({
      active: false,
      reason: 'consumed',
    })
  })

  it('a factor may be removed with a token of itself (the last factor too)', async ({ api }) => {
    const { adaPassword, adaCodes } = await adaFactors(api)
    await api.remove(ADA, adaCodes, await factorToken(api, ADA))
    expect((await api.remove(ADA, adaPassword, await factorToken(api, ADA))).statusCode).toBe(204)
    expect(await list(api, ADA)).toEqual([])
    expect((await api.challenge(ADA, { scene: 'step-up', type: 'password' })).statusCode).toBe(404)
  })

  it('an open challenge of a removed factor can no longer be answered', async ({ api }) => {
    const { adaCodes } = await adaFactors(api)
    const started = await api.challenge(ADA, { scene: 'step-up', factor_id: adaCodes })
    expect((await api.remove(ADA, adaCodes, await factorToken(api, ADA))).statusCode).toBe(204)
    const res = await api.verify(started.json().verification_id, 'ABCDE-FGHJK')
    expect(res.statusCode).toBe(404)
    expect(res.json().error).toBe('factor_not_found')
  })

  it('an unknown factor answers 404 factor_not_found (4041), and the token is not used up', async ({ api }) => {
    const { adaCodes } = await adaFactors(api)
    const token = await factorToken(api, ADA)
    const res = await api.remove(ADA, 'fac_doesnotexist', token)
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error: 'factor_not_found', error_code: 4041 })
    expect((await api.remove(ADA, adaCodes, token)).statusCode).toBe(204)
  })

  it('another user’s factor id answers 404, even with that other user’s valid token', async ({ api }) => {
    await adaFactors(api)
    const bobs = await passwordFactor(api, BOB)
    const adaToken = await factorToken(api, ADA)
    const viaAda = await api.remove(ADA, bobs, adaToken)
    expect(viaAda.statusCode).toBe(404)
    expect(viaAda.json()).toMatchObject({ error: 'factor_not_found', error_code: 4041 })
    const viaAdaWithBobsToken = await api.remove(ADA, bobs, await factorToken(api, BOB))
    expect(viaAdaWithBobsToken.statusCode).toBe(404)
    expect((await list(api, BOB)).map((f) => f.factor_id)).toEqual([bobs])
  })

  it('another app cannot remove the factor, even with a token this app issued', async ({ api, appWith }) => {
    const { adaCodes } = await adaFactors(api)
    const { api: other } = await appWith()
    const token = await factorToken(api, ADA)
    const res = await other.remove(ADA, adaCodes, token)
    expect(res.statusCode).toBe(404)
    expect(await list(api, ADA)).toHaveLength(2)
  })

  it('records factor.removed, by the user', async ({ api, app, admin }) => {
    const { adaCodes } = await adaFactors(api)
    await api.remove(ADA, adaCodes, await factorToken(api, ADA))
    const events = await admin.events(app.appId, 'factor.removed')
    expect(events).toHaveLength(1)
    expect(events[0]?.details).toMatchObject({
      factor_id: adaCodes,
      user_id: ADA,
      type: 'backup-code',
      by: 'user',
    })
  })
})

describe('admin: a user’s factors', () => {
  const adminList = (t: TestApp, user: string, appId: string) =>
    t.request('GET', `/admin/v1/apps/${appId}/users/${user}/factors`, { key: TEST_ADMIN_KEY })
  const adminRemove = (t: TestApp, user: string, factorId: string, appId: string) =>
    t.request('DELETE', `/admin/v1/apps/${appId}/users/${user}/factors/${factorId}`, { key: TEST_ADMIN_KEY })

  it('lists the factors, masked, with backup codes remaining', async ({ t, api, app }) => {
    const bound = (await api.bind(ADA, { type: 'sms', to: PHONE })).json()
    await api.activate(ADA, bound.factor_id, t.capture.lastCode(PHONE))
    t.clock.advanceSeconds(1)
    await api.bind(ADA, { type: 'backup-code' })
    const res = await adminList(t, ADA, app.appId)
    expect(res.statusCode).toBe(200)
    expect(res.json().factors).toMatchObject([
      { factor_id: bound.factor_id, type: 'sms', status: 'active', to: '+14*******71', user_id: ADA },
      { type: 'backup-code', status: 'active', backup_codes_remaining: 10 },
    ])
    expect(res.body).not.toContain(PHONE)
    expect((await adminList(t, 'u_nobody', app.appId)).json()).toEqual({ factors: [] })
  })

  it('removes a factor without step-up, and records factor.removed by admin', async ({ t, api, app }) => {
    const password = await passwordFactor(api, ADA)
    const res = await adminRemove(t, ADA, password, app.appId)
    expect(res.statusCode).toBe(204)
    expect(await list(api, ADA)).toEqual([])
    const events = await t.request('GET', `/admin/v1/apps/${app.appId}/events`, { key: TEST_ADMIN_KEY })
    const removed = (events.json().events as Array<{ kind: string; details: Record<string, unknown> }>).filter(
      (e) => e.kind === 'factor.removed',
    )
    expect(removed).toHaveLength(1)
    expect(removed[0]?.details).toMatchObject({ factor_id: password, user_id: ADA, type: 'password', by: 'admin' })
    expect((await adminRemove(t, ADA, password, app.appId)).statusCode).toBe(404)
  })

  it('answers 404 for another user’s factor, an unknown app, and an unknown factor', async ({ t, api, app }) => {
    const password = await passwordFactor(api, ADA)
    expect((await adminRemove(t, BOB, password, app.appId)).statusCode).toBe(404)
    expect((await adminRemove(t, ADA, password, 'app_doesnotexist')).statusCode).toBe(404)
    expect((await adminList(t, ADA, 'app_doesnotexist')).statusCode).toBe(404)
    const unknown = await adminRemove(t, ADA, 'fac_doesnotexist', app.appId)
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error_code).toBe(4041)
    expect(await list(api, ADA)).toHaveLength(1)
  })

  it('is the admin key’s alone: an app key gets 401/403', async ({ t, api, app }) => {
    const password = await passwordFactor(api, ADA)
    const listed = await t.request('GET', `/admin/v1/apps/${app.appId}/users/${ADA}/factors`, { key: api.key })
    expect([401, 403]).toContain(listed.statusCode)
    const removed = await t.request('DELETE', `/admin/v1/apps/${app.appId}/users/${ADA}/factors/${password}`, {
      key: api.key,
    })
    expect([401, 403]).toContain(removed.statusCode)
    expect(await list(api, ADA)).toHaveLength(1)
  })
})
