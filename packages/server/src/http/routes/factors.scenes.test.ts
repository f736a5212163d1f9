import { TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'
import { generateTotp, type TotpParameters } from '../../verifiers/totp/totp.js'

// Scenes: which verification types may prove each one, and the lifetime of its tokens.

const USER = 'u_ada'
const PHONE = '+14155552671'
const PASSWORD = 'correct horse battery staple'

/** USER's calls on one app, and enrolment of each factor type this file needs. */
function client(t: TestApp, api: TestApi) {
  const bind = (body: Record<string, unknown>) => api.bind(USER, body)
  const challenge = (body: Record<string, unknown>) => api.challenge(USER, body)
  return {
    bind,
    challenge,
    verify: api.verify,
    enrolSms: (): Promise<string> => api.bindActive(USER, { type: 'sms', to: PHONE }),
    async enrolTotp(): Promise<{ factorId: string; params: TotpParameters }> {
      const bound = (await bind({ type: 'totp' })).json()
      const params: TotpParameters = {
        secret: bound.secret,
        algorithm: bound.algorithm,
        digits: bound.digits,
        period: bound.period,
      }
      const res = await api.activate(USER, bound.factor_id, generateTotp(params, t.clock.nowMs()))
      expect(res.statusCode).toBe(200)
      return { factorId: bound.factor_id, params }
    },
    async enrolPassword(): Promise<string> {
      const res = await bind({ type: 'password', password: PASSWORD })
      expect(res.statusCode).toBe(201)
      return res.json().factor_id
    },
  }
}

describe('allowed types per scene', () => {
  it('a 2fa scene limited to totp refuses an sms challenge (by type or by id) with 403 factor_not_allowed (4031), sending nothing', async ({
    t,
    appWith,
  }) => {
    const { api } = await appWith({ scenes: { '2fa': { allowed_types: ['totp'] } } })
    const c = client(t, api)
    const smsFactor = await c.enrolSms()
    const { params } = await c.enrolTotp()
    const sent = t.capture.messages.length

    const byType = await c.challenge({ scene: '2fa', type: 'sms' })
    expect(byType.statusCode).toBe(403)
    expect(byType.json()).toMatchObject({ error: 'factor_not_allowed', error_code: 4031 })
    const byId = await c.challenge({ scene: '2fa', factor_id: smsFactor })
    expect(byId.statusCode).toBe(403)
    expect(byId.json()).toMatchObject({ error: 'factor_not_allowed', error_code: 4031 })
    expect(t.capture.messages).toHaveLength(sent)

    // TOTP still proves 2fa, and sms still proves scenes that allow it.
    t.clock.advanceSeconds(30)
    const totp = await c.challenge({ scene: '2fa', type: 'totp' })
    expect(totp.statusCode).toBe(201)
    expect((await c.verify(totp.json().verification_id, generateTotp(params, t.clock.nowMs()))).statusCode).toBe(200)
    expect((await c.challenge({ scene: 'step-up', type: 'sms' })).statusCode).toBe(201)
  })

  it('a plain POST /v1/verifications in that 2fa scene by sms is refused too (one rule for both paths)', async ({
    t,
    appWith,
  }) => {
    const { api } = await appWith({ scenes: { '2fa': { allowed_types: ['totp'] } } })
    const res = await api.start({ channel: 'sms', to: PHONE, scene: '2fa' })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ error: 'factor_not_allowed', error_code: 4031 })
    expect(t.capture.messages).toHaveLength(0)
    // The default scene still works.
    expect((await api.start({ channel: 'sms', to: PHONE })).statusCode).toBe(201)
  })

  it('built-in defaults: verify-identifier and signup take delivered codes only; 2fa takes no password', async ({
    t,
    appWith,
  }) => {
    const { api } = await appWith()
    const c = client(t, api)
    await c.enrolTotp()
    await c.enrolPassword()
    await c.enrolSms()
    for (const [scene, type] of [
      ['verify-identifier', 'totp'],
      ['signup', 'totp'],
      ['signup', 'password'],
      ['2fa', 'password'],
    ]) {
      const res = await c.challenge({ scene, type })
      expect(res.statusCode, `${type} in ${scene}`).toBe(403)
      expect(res.json().error).toBe('factor_not_allowed')
    }
    for (const [scene, type] of [
      ['login', 'password'],
      ['step-up', 'password'],
      ['identifier-change', 'totp'],
      ['password-reset', 'sms'],
      ['verify-identifier', 'sms'],
    ]) {
      expect((await c.challenge({ scene, type })).statusCode, `${type} in ${scene}`).toBe(201)
    }
  })

  it('a custom scene nobody configured takes any type', async ({ t, appWith }) => {
    const { api } = await appWith()
    const c = client(t, api)
    await c.enrolPassword()
    const res = await c.challenge({ scene: 'checkout-42', type: 'password' })
    expect(res.statusCode).toBe(201)
    expect(res.json().scene).toBe('checkout-42')
    const ok = await c.verify(res.json().verification_id, PASSWORD)
    expect(ok.json()).toMatchObject({ scene: 'checkout-42', expires_in: 600 })
  })

  it('a changed scene policy applies to the next challenge', async ({ t, appWith }) => {
    const { api, appId } = await appWith()
    const c = client(t, api)
    await c.enrolSms()
    expect((await c.challenge({ scene: '2fa', type: 'sms' })).statusCode).toBe(201)
    const patched = await t.request('PATCH', `/admin/v1/apps/${appId}`, {
      key: TEST_ADMIN_KEY,
      body: { settings: { scenes: { '2fa': { allowed_types: ['totp', 'backup-code'] } } } },
    })
    expect(patched.statusCode).toBe(200)
    expect((await c.challenge({ scene: '2fa', type: 'sms' })).statusCode).toBe(403)
  })

  it('scene settings naming an unknown type are refused with 4000', async ({ t }) => {
    const res = await t.request('POST', '/admin/v1/apps', {
      key: TEST_ADMIN_KEY,
      body: { name: 'Bad', settings: { scenes: { '2fa': { allowed_types: ['fingerprint'] } } } },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_code).toBe(4000)
    expect(res.json().error_description).toContain('allowed_types')
  })
})

describe('token lifetime per scene', () => {
  it('a custom payout scene with token_ttl_seconds 60 answers tokens that live 60 s', async ({ t, appWith }) => {
    const { api } = await appWith({
      scenes: { payout: { allowed_types: ['password', 'totp'], token_ttl_seconds: 60 } },
    })
    const c = client(t, api)
    await c.enrolPassword()
    await c.enrolSms()

    const started = await c.challenge({ scene: 'payout', type: 'password' })
    expect(started.statusCode).toBe(201)
    const approved = await c.verify(started.json().verification_id, PASSWORD)
    expect(approved.statusCode).toBe(200)
    expect(approved.json()).toMatchObject({ scene: 'payout', expires_in: 60 })
    const token = approved.json().verification_token

    const facts = await api.introspect(token, { scene: 'payout' })
    expect(facts.json()).toMatchObject({ active: true, scene: 'payout', user_id: USER })
    expect(Date.parse(facts.json().expires_at) - Date.parse(facts.json().issued_at)).toBe(60_000)
    t.clock.advanceSeconds(60)
    expect((await api.introspect(token)).json()).toEqual({
      active: false,
      reason: 'expired',
    })

    // sms is not among payout's types.
    const sms = await c.challenge({ scene: 'payout', type: 'sms' })
    expect(sms.statusCode).toBe(403)
    expect(sms.json().error).toBe('factor_not_allowed')
  })

  it('other scenes keep the app’s token lifetime', async ({ t, appWith }) => {
    const { api } = await appWith({
      token_ttl_seconds: 300,
      scenes: { payout: { allowed_types: ['password'], token_ttl_seconds: 60 } },
    })
    const c = client(t, api)
    await c.enrolPassword()
    const started = await c.challenge({ scene: 'step-up', type: 'password' })
    expect((await c.verify(started.json().verification_id, PASSWORD)).json().expires_in).toBe(300)
  })

  it('a token of one scene is refused for another', async ({ t, appWith }) => {
    const { api } = await appWith({ scenes: { payout: { allowed_types: ['password'] } } })
    const c = client(t, api)
    await c.enrolPassword()
    const started = await c.challenge({ scene: 'payout', type: 'password' })
    const token = (await c.verify(started.json().verification_id, PASSWORD)).json().verification_token
    for (const scene of ['step-up', 'login', '2fa']) {
      expect((await api.introspect(token, { scene })).json()).toEqual({
        active: false,
        reason: 'scene_mismatch',
      })
    }
  })
})
