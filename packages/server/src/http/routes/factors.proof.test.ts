import { decodeJwt } from 'jose'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'
import { generateTotp, type TotpParameters } from '../../verifiers/totp/totp.js'

// What a step-up proves, and what needs one: a step-up or 2fa verification for a user must use one of that
// user's own factors (not any inbox or phone), its token says which factor and type it proved, and replacing
// a factor needs such a token, as removing one does.

const ADA = 'u_ada'
const BOB = 'u_bob'
const PASSWORD = 'correct horse battery staple'
const EMAIL = 'ada@example.com'
const PHONE = '+14155552671'

const bindActiveEmail = (api: TestApi, user: string, to = EMAIL) => api.bindActive(user, { type: 'email', to })

/** A token from the user's password factor, for a scene other than step-up. */
async function passwordToken(api: TestApi, user: string, scene: string): Promise<string> {
  const res = await api.verify(await api.challengeOk(user, { scene, type: 'password' }), PASSWORD)
  expect(res.statusCode, res.body).toBe(200)
  return res.json().verification_token
}

describe('step-up and 2fa verifications prove the user’s own factor', () => {
  it.for(['step-up', '2fa'])(
    'POST /v1/verifications in %s to an inbox the user never bound: 403 factor_not_allowed, nothing sent',
    async (scene, { t, api }) => {
      await bindActiveEmail(api, ADA)
      const sentBefore = t.capture.messages.length
      const res = await api.start({ channel: 'email', to: 'mallory@example.com', scene, user_id: ADA })
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ error: 'factor_not_allowed', error_code: 4031 })
      expect(t.capture.messages.length).toBe(sentBefore)
    },
  )

  it('a to equal to the user’s bound email (in any case) proves that factor: the token carries factor_id and amr', async ({
    t,
    api,
  }) => {
    const factorId = await bindActiveEmail(api, ADA)
    const res = await api.start({ channel: 'email', to: 'ADA@example.com', scene: 'step-up', user_id: ADA })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ factor_id: factorId, user_id: ADA })
    const approved = await api.verify(res.json().verification_id, t.capture.lastCode(EMAIL))
    expect(approved.statusCode).toBe(200)
    const token = approved.json().verification_token
    expect((await api.introspect(token)).json()).toMatchObject({
      active: true,
      scene: 'step-up',
      user_id: ADA,
      factor_id: factorId,
      amr: ['email'],
    })
    expect(decodeJwt(token)).toMatchObject({ sub: ADA, factor_id: factorId, amr: ['email'] })
  })

  it('factor_id alone names the factor; another user’s factor, or a to that disagrees, is refused', async ({ api }) => {
    const adaEmail = await bindActiveEmail(api, ADA)
    const bobEmail = await bindActiveEmail(api, BOB, 'bob@example.com')
    const byId = await api.start({ factor_id: adaEmail, scene: 'step-up', user_id: ADA })
    expect(byId.statusCode, byId.body).toBe(201)
    expect(byId.json()).toMatchObject({ factor_id: adaEmail, channel: 'email', to: expect.stringContaining('@') })
    expect((await api.start({ factor_id: bobEmail, scene: 'step-up', user_id: ADA })).statusCode).toBe(403)
    expect(
      (await api.start({ factor_id: adaEmail, to: 'bob@example.com', scene: 'step-up', user_id: ADA })).statusCode,
    ).toBe(403)
    expect((await api.start({ factor_id: adaEmail, channel: 'sms', scene: 'step-up', user_id: ADA })).statusCode).toBe(
      403,
    )
    // factor_id needs its user.
    expect((await api.start({ factor_id: adaEmail, scene: 'step-up' })).json()).toMatchObject({
      error: 'invalid_request',
    })
  })

  it('a custom scene opts in with require_factor; other scenes still verify any identifier', async ({
    api,
    appWith,
  }) => {
    const { api: strict } = await appWith({ scenes: { payout: { allowed_types: ['email'], require_factor: true } } })
    const refused = await strict.start({ channel: 'email', to: EMAIL, scene: 'payout', user_id: ADA })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error).toBe('factor_not_allowed')
    const login = await api.start({ channel: 'email', to: 'anyone@example.com', scene: 'login', user_id: ADA })
    expect(login.statusCode).toBe(201)
    expect(login.json().factor_id).toBeNull()
  })

  it('a token from an identifier-only verification cannot remove a factor', async ({ t, api }) => {
    const factorId = await bindActiveEmail(api, ADA)
    const res = await api.start({ channel: 'email', to: 'other@example.com', scene: 'login', user_id: ADA })
    const token = (await api.verify(res.json().verification_id, t.capture.lastCode('other@example.com'))).json()
      .verification_token
    const removal = await api.remove(ADA, factorId, token)
    expect(removal.statusCode).toBe(403)
    expect(await api.factors(ADA)).toHaveLength(1)
  })
})

describe('replacing a factor needs the same proof as removing it', () => {
  it('the first password needs none; a second without a step-up token is 403 and the old one still works', async ({
    api,
  }) => {
    expect((await api.bind(ADA, { type: 'password', password: PASSWORD })).statusCode).toBe(201)
    const res = await api.bind(ADA, { type: 'password', password: 'attacker chosen' })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ error: 'forbidden', error_code: 4030 })
    expect(await api.factors(ADA)).toHaveLength(1)
    await api.stepUpWithPassword(ADA, PASSWORD)
  })

  it('with a step-up token of the user it replaces, and the token is used up', async ({ api }) => {
    await api.bind(ADA, { type: 'password', password: PASSWORD })
    const token = await api.stepUpWithPassword(ADA, PASSWORD)
    expect((await api.bind(ADA, { type: 'password', password: 'a brand new passphrase' }, token)).statusCode).toBe(201)
    await api.stepUpWithPassword(ADA, 'a brand new passphrase')
    const again = await api.bind(ADA, { type: 'password', password: 'third' }, token)
    expect(again.statusCode).toBe(403)
  })

  it('refuses another user’s token, a token of another scene, and garbage', async ({ api }) => {
    await api.bind(ADA, { type: 'password', password: PASSWORD })
    await api.bind(BOB, { type: 'password', password: PASSWORD })
    for (const token of [
      await api.stepUpWithPassword(BOB, PASSWORD),
      await passwordToken(api, ADA, 'login'),
      'not-a-token',
    ]) {
      const res = await api.bind(ADA, { type: 'backup-code' }, token)
      // The first backup-code set needs no proof at all: refusals are for replacements.
      expect(res.statusCode).toBe(201)
      const replaced = await api.bind(ADA, { type: 'password', password: 'other' }, token)
      expect(replaced.statusCode).toBe(403)
      await api.remove(ADA, res.json().factor_id, await api.stepUpWithPassword(ADA, PASSWORD))
    }
  })

  it('a new backup-code set and a second authenticator need one too; a second phone does not', async ({ t, api }) => {
    const stepUp = () => api.stepUpWithPassword(ADA, PASSWORD)
    await api.bind(ADA, { type: 'password', password: PASSWORD })
    expect((await api.bind(ADA, { type: 'backup-code' })).statusCode).toBe(201)
    expect((await api.bind(ADA, { type: 'backup-code' })).statusCode).toBe(403)
    expect((await api.bind(ADA, { type: 'backup-code' }, await stepUp())).statusCode).toBe(201)

    const totp = await api.bind(ADA, { type: 'totp' })
    expect(totp.statusCode).toBe(201)
    const params: TotpParameters = {
      secret: totp.json().secret,
      algorithm: totp.json().algorithm,
      digits: totp.json().digits,
      period: totp.json().period,
    }
    // A pending authenticator proves nothing yet: enrolling again needs no token.
    expect((await api.bind(ADA, { type: 'totp' })).statusCode).toBe(201)
    const activated = await api.activate(ADA, totp.json().factor_id, generateTotp(params, t.clock.nowMs()))
    expect(activated.statusCode).toBe(200)
    expect((await api.bind(ADA, { type: 'totp' })).statusCode).toBe(403)
    expect((await api.bind(ADA, { type: 'totp' }, await stepUp())).statusCode).toBe(201)

    await bindActiveEmail(api, ADA)
    expect((await api.bind(ADA, { type: 'sms', to: PHONE })).statusCode).toBe(201)
    expect((await api.bind(ADA, { type: 'email', to: 'second@example.com' })).statusCode).toBe(201)
  })
})

describe('custom_code follows the channel’s code format', () => {
  it('refuses a code of another length or alphabet, accepts one that fits', async ({ appWith }) => {
    const { api: custom } = await appWith({ allow_custom_code: true })
    const startWith = (code: string) => custom.start({ channel: 'sms', to: PHONE, custom_code: code })
    for (const code of ['12345', '1234567', 'ABC123']) {
      const res = await startWith(code)
      expect(res.statusCode, code).toBe(400)
      expect(res.json().error).toBe('invalid_request')
      expect(res.json().error_description).toContain('6 digits')
    }
    expect((await startWith('246810')).statusCode).toBe(201)
  })
})
