import type { LightMyRequestResponse } from 'fastify'
import { vi } from 'vitest'
import { it as base, describe, expect } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'
import { passwordVerifier } from '../../verifiers/password/password-verifier.js'
import { generateTotp, type TotpParameters } from '../../verifiers/totp/totp.js'

const it = base.extend<{
  /** An app (with these settings) whose user u_real has an active SMS factor on +447400123456. */
  appWithUser: (
    settings: Record<string, unknown>,
  ) => Promise<{ appId: string; key: string; api: TestApi; factorId: string }>
}>({
  appWithUser: async ({ appWith }, use) => {
    await use(async (settings) => {
      const app = await appWith(settings)
      return { ...app, factorId: await app.api.bindActive('u_real', { type: 'sms', to: '+447400123456' }) }
    })
  },
})

/** Each key of a JSON body with the JSON type of its value: what a caller can tell apart without knowing values. */
function shapeOf(body: Record<string, unknown>): Record<string, string> {
  const shape: Record<string, string> = {}
  for (const [key, value] of Object.entries(body)) {
    shape[key] = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  }
  return shape
}

function expectAlike(decoy: LightMyRequestResponse, real: LightMyRequestResponse, except: string[] = []): void {
  expect(decoy.statusCode, decoy.body).toBe(real.statusCode)
  expect(decoy.headers['content-type']).toBe(real.headers['content-type'])
  const a = decoy.json()
  const b = real.json()
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort())
  expect(shapeOf(a)).toEqual(shapeOf(b))
  // The values a caller could compare without knowing anything else.
  for (const key of ['status', 'channel', 'type', 'scene', 'expires_in', 'attempts', 'attempts_remaining', 'sends']) {
    if (!except.includes(key)) expect(a[key], key).toEqual(b[key])
  }
  expect(a.sends_remaining).toBe(b.sends_remaining)
  expect(a.verification_id).toMatch(/^ver_[0-9a-z]{36}$/)
  expect(a.verification_id).not.toBe(b.verification_id)
}

/** Checks `id` with every code a guesser might try, the real one sent elsewhere included: never approved. */
async function expectNeverApproves(api: TestApi, id: string, codes: string[], maxAttempts = 5): Promise<void> {
  const tries = [...codes, '000000', '123456', '999999', '654321', '111111'].slice(0, maxAttempts)
  for (const [index, code] of tries.entries()) {
    const res = await api.verify(id, code)
    if (index < maxAttempts - 1) {
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json()).toMatchObject({
        error: 'invalid_verification_code',
        error_code: 4001,
        attempts_remaining: maxAttempts - 1 - index,
      })
    } else {
      expect(res.statusCode, res.body).toBe(429)
      expect(res.json()).toMatchObject({ error: 'max_attempts_reached', error_code: 4006 })
    }
  }
  const after = await api.verify(id, codes[0] ?? '000000')
  expect(after.json().error).toBe('max_attempts_reached')
}

const email = (to: string) => ({ channel: 'email', to })

describe('start under uniform_responses', () => {
  it('answers a send refused by a limit exactly like a sent one, sends nothing, and the decoy never approves', async ({
    t,
    appWith,
    admin,
  }) => {
    const { appId, api } = await appWith({
      uniform_responses: true,
      limits: { sends_per_identifier: { max: 1, window_seconds: 600 } },
    })
    const real = await api.start(email('ada@example.com'))
    expect(real.statusCode).toBe(201)
    const realCode = t.capture.lastCode('ada@example.com')

    const limited = await api.start({ ...email('ada@example.com'), client_ip: '203.0.113.8' })
    expectAlike(limited, real)
    expect(limited.json().to).toBe(real.json().to)
    expect(limited.headers['retry-after']).toBeUndefined()
    expect(limited.headers['ratelimit-limit']).toBeUndefined()
    expect(t.capture.messages).toHaveLength(1)

    // Read back, it looks like any pending verification.
    const read = await api.get(limited.json().verification_id)
    const readReal = await api.get(real.json().verification_id)
    expect(read.statusCode).toBe(200)
    expect(shapeOf(read.json())).toEqual(shapeOf(readReal.json()))

    await expectNeverApproves(api, limited.json().verification_id, [realCode])

    const suppressed = await admin.events(appId, 'send.suppressed')
    expect(suppressed).toHaveLength(1)
    expect(suppressed[0]).toMatchObject({
      to: 'a***@e***.com',
      client_ip: '203.0.113.8',
      details: { channel: 'email', reason: 'limit', rule: 'limit:sends_per_identifier' },
    })
    expect(await admin.events(appId, 'send.refused')).toHaveLength(0)
  })

  it('answers an SMS to a blocked country or range like a sent one, and sends nothing', async ({
    t,
    appWith,
    admin,
  }) => {
    const { appId, api } = await appWith({
      uniform_responses: true,
      channels: { sms: { blocked_countries: ['DE'] } },
    })
    const real = await api.start({ channel: 'sms', to: '+447400123456' })
    expect(real.statusCode).toBe(201)
    const blocked = await api.start({ channel: 'sms', to: '+491701234567' })
    expectAlike(blocked, real)
    expect(blocked.json().to).toMatch(/^\+49\*+67$/)
    const premium = await api.start({ channel: 'sms', to: '+979123456789' })
    expectAlike(premium, real)
    expect(t.capture.messages.map((m) => m.to)).toEqual(['+447400123456'])

    await expectNeverApproves(api, blocked.json().verification_id, [t.capture.lastCode()])
    const reasons = (await admin.events(appId, 'send.suppressed')).map((e) => (e.details as { rule: string }).rule)
    expect(reasons.sort()).toEqual(['blocked_country', 'blocked_prefix'])
  })

  it('still refuses what is malformed: uniform answers hide decisions, not input errors', async ({ appWith }) => {
    const { api } = await appWith({ uniform_responses: true })
    const res = await api.start({ channel: 'sms', to: '12345' })
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('invalid_identifier')
  })

  it('answers 429 and 4011 without uniform_responses', async ({ appWith }) => {
    const { api } = await appWith({
      limits: { sends_per_identifier: { max: 1, window_seconds: 600 } },
      channels: { sms: { blocked_countries: ['DE'] } },
    })
    expect((await api.start(email('ada@example.com'))).statusCode).toBe(201)
    const limited = await api.start(email('ada@example.com'))
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ error: 'rate_limited', error_code: 4029 })
    const blocked = await api.start({ channel: 'sms', to: '+491701234567' })
    expect(blocked.statusCode).toBe(400)
    expect(blocked.json()).toMatchObject({ error: 'invalid_identifier', error_code: 4011 })
  })
})

describe('resend under uniform_responses', () => {
  const settings = (uniform: boolean) => ({
    uniform_responses: uniform,
    limits: { sends_per_identifier: { max: 2, window_seconds: 600 } },
    channels: { email: { resend_cooldown_seconds: 0 } },
  })

  it('answers a limited resend like a real resend and sends nothing', async ({ t, appWith, admin }) => {
    const { appId, api } = await appWith(settings(true))
    const id = (await api.start(email('ada@example.com'))).json().verification_id
    const real = await api.resend(id)
    expect(real.statusCode).toBe(200)
    expect(t.capture.messages).toHaveLength(2)
    const limited = await api.resend(id)
    expect(limited.statusCode, limited.body).toBe(200)
    expect(Object.keys(limited.json()).sort()).toEqual(Object.keys(real.json()).sort())
    expect(shapeOf(limited.json())).toEqual(shapeOf(real.json()))
    expect(limited.json()).toMatchObject({ verification_id: id, status: 'pending', sends: 3, sends_remaining: 2 })
    expect(t.capture.messages).toHaveLength(2)
    expect(await admin.events(appId, 'send.suppressed')).toMatchObject([
      { details: { reason: 'limit', rule: 'limit:sends_per_identifier' } },
    ])
  })

  it('answers a resend of a decoy like a real resend and sends nothing', async ({ t, appWith }) => {
    const { api } = await appWith(settings(true))
    await api.start(email('ada@example.com'))
    await api.start(email('ada@example.com'))
    const decoy = await api.start(email('ada@example.com'))
    expect(decoy.statusCode).toBe(201)
    expect(t.capture.messages).toHaveLength(2)
    const resent = await api.resend(decoy.json().verification_id)
    expect(resent.statusCode).toBe(200)
    expect(resent.json()).toMatchObject({ status: 'pending', sends: 2 })
    expect(t.capture.messages).toHaveLength(2)
  })

  it('answers 429 without uniform_responses', async ({ appWith }) => {
    const { api } = await appWith(settings(false))
    const id = (await api.start(email('ada@example.com'))).json().verification_id
    expect((await api.resend(id)).statusCode).toBe(200)
    const limited = await api.resend(id)
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ error: 'rate_limited', error_code: 4029 })
  })
})

describe('challenges under uniform_responses', () => {
  it('answers a challenge for a user without that factor like a real challenge of another user', async ({
    t,
    appWithUser,
    admin,
  }) => {
    const { appId, api } = await appWithUser({ uniform_responses: true })
    const sentBefore = t.capture.messages.length
    const real = await api.challenge('u_real', { scene: 'login', type: 'sms' })
    expect(real.statusCode, real.body).toBe(201)
    expect(t.capture.messages).toHaveLength(sentBefore + 1)
    const realCode = t.capture.lastCode('+447400123456')

    const ghost = await api.challenge('u_ghost', { scene: 'login', type: 'sms', client_ip: '203.0.113.3' })
    expectAlike(ghost, real)
    expect(ghost.json().user_id).toBe('u_ghost')
    expect(t.capture.messages).toHaveLength(sentBefore + 1)

    // Read back, it still looks like a challenge.
    const read = await api.get(ghost.json().verification_id)
    const readReal = await api.get(real.json().verification_id)
    expect(shapeOf(read.json())).toEqual(shapeOf(readReal.json()))

    await expectNeverApproves(api, ghost.json().verification_id, [realCode])

    const suppressed = await admin.events(appId, 'challenge.suppressed')
    expect(suppressed).toHaveLength(1)
    expect(suppressed[0]).toMatchObject({
      verification_id: ghost.json().verification_id,
      client_ip: '203.0.113.3',
      details: { type: 'sms', user_id: 'u_ghost', reason: 'factor_not_found' },
    })
  })

  it('answers a challenge by an unknown factor_id like a real one', async ({ t, appWithUser }) => {
    const { api, factorId } = await appWithUser({ uniform_responses: true })
    const real = await api.challenge('u_real', { scene: 'login', factor_id: factorId })
    expect(real.statusCode).toBe(201)
    const sent = t.capture.messages.length
    // Another user's factor id is as unknown as a made-up one.
    for (const [user, factor] of [
      ['u_ghost', 'fac_doesnotexist'],
      ['u_ghost', factorId],
    ] as const) {
      const ghost = await api.challenge(user, { scene: 'login', factor_id: factor })
      expectAlike(ghost, real)
    }
    expect(t.capture.messages).toHaveLength(sent)
  })

  it('answers a challenge with a type the scene disallows like a real challenge, recording why', async ({
    t,
    appWithUser,
    admin,
  }) => {
    const { appId, api } = await appWithUser({
      uniform_responses: true,
      scenes: { payout: { allowed_types: ['totp'] } },
    })
    const real = await api.challenge('u_real', { scene: 'login', type: 'sms' })
    const sent = t.capture.messages.length
    const disallowed = await api.challenge('u_real', { scene: 'payout', type: 'sms' })
    expectAlike(disallowed, real, ['scene'])
    expect(disallowed.json().scene).toBe('payout')
    expect(t.capture.messages).toHaveLength(sent)
    await expectNeverApproves(api, disallowed.json().verification_id, [t.capture.lastCode('+447400123456')])
    expect(await admin.events(appId, 'challenge.suppressed')).toMatchObject([
      { details: { type: 'sms', user_id: 'u_real', reason: 'factor_not_allowed' } },
    ])
  })

  it('answers a TOTP challenge for a user without an authenticator like a real TOTP challenge', async ({
    t,
    appWith,
  }) => {
    const { api } = await appWith({ uniform_responses: true })
    const bound = await api.bind('u_totp', { type: 'totp' })
    expect(bound.statusCode, bound.body).toBe(201)
    const params = {
      secret: bound.json().secret as string,
      algorithm: bound.json().algorithm as TotpParameters['algorithm'],
      digits: bound.json().digits as number,
      period: bound.json().period as number,
    }
    const activated = await api.activate('u_totp', bound.json().factor_id, generateTotp(params, t.clock.nowMs()))
    expect(activated.statusCode, activated.body).toBe(200)

    const real = await api.challenge('u_totp', { scene: 'login', type: 'totp' })
    expect(real.statusCode, real.body).toBe(201)
    const ghost = await api.challenge('u_ghost', { scene: 'login', type: 'totp' })
    expectAlike(ghost, real)
    expect(ghost.json().to).toBeNull()
  })

  it('answers 404 factor_not_found and 403 factor_not_allowed without uniform_responses', async ({ appWithUser }) => {
    const { api, factorId } = await appWithUser({ scenes: { payout: { allowed_types: ['totp'] } } })
    const ghost = await api.challenge('u_ghost', { scene: 'login', type: 'sms' })
    expect(ghost.statusCode).toBe(404)
    expect(ghost.json()).toMatchObject({ error: 'factor_not_found', error_code: 4041 })
    const byId = await api.challenge('u_ghost', { scene: 'login', factor_id: factorId })
    expect(byId.statusCode).toBe(404)
    const disallowed = await api.challenge('u_real', { scene: 'payout', type: 'sms' })
    expect(disallowed.statusCode).toBe(403)
    expect(disallowed.json()).toMatchObject({ error: 'factor_not_allowed' })
  })
})

describe('locks under uniform_responses', () => {
  const PASSWORD = 'correct horse battery staple'

  /** One round: a step-up challenge by type, then one wrong password; the answers as a caller sees them. */
  async function round(api: TestApi, user: string, n: number): Promise<string[]> {
    const started = await api.challenge(user, { scene: 'step-up', type: 'password' })
    const seen = [`challenge ${started.statusCode} ${started.json().error ?? ''} ${started.json().retry_after ?? ''}`]
    if (started.statusCode !== 201) return seen
    const res = await api.verify(started.json().verification_id, `wrong ${n}`)
    const body = res.json()
    seen.push(`verify ${res.statusCode} ${body.error} ${body.attempts_remaining ?? ''} ${body.retry_after ?? ''}`)
    return seen
  }

  it('a user without the factor locks exactly like a user with it: the same answers, round by round', async ({
    t,
    appWith,
  }) => {
    const { api } = await appWith({ uniform_responses: true })
    const bound = await api.bind('u_real', { type: 'password', password: PASSWORD })
    expect(bound.statusCode).toBe(201)
    const real: string[] = []
    const ghost: string[] = []
    for (let n = 0; n < 12; n++) {
      real.push(...(await round(api, 'u_real', n)))
      ghost.push(...(await round(api, 'u_ghost', n)))
    }
    expect(ghost).toEqual(real)
    // The real factor did lock (10 failures by default), and the next challenge says so for both.
    expect(real).toContain('verify 423 factor_locked  60')
    expect(real.at(-1)).toBe('challenge 423 factor_locked 60')
    // After the lock ends, both take challenges again.
    t.clock.advanceSeconds(61)
    expect(await round(api, 'u_ghost', 99)).toEqual(await round(api, 'u_real', 99))
  })

  it('a missing password’s answer goes through the type’s decoy check (argon2id), as a real one goes through argon2id', async ({
    appWith,
  }) => {
    const { api } = await appWith({ uniform_responses: true })
    await api.bind('u_real', { type: 'password', password: PASSWORD })
    // Optional in the contract: the spy needs it typed as present.
    const judged = vi.spyOn(passwordVerifier as Required<Pick<typeof passwordVerifier, 'judgeDecoy'>>, 'judgeDecoy')
    try {
      const real = await round(api, 'u_real', 1)
      expect(judged).not.toHaveBeenCalled()
      const ghost = await round(api, 'u_ghost', 1)
      expect(ghost).toEqual(real)
      expect(judged).toHaveBeenCalledTimes(1)
      expect(judged).toHaveBeenCalledWith('wrong 1')
      // It ran to its end (password-verifier.test.ts shows what it verifies against).
      await expect(judged.mock.results[0]?.value).resolves.toBeUndefined()
    } finally {
      judged.mockRestore()
    }
  })

  it('a parallel burst at a missing factor locks it like a real one', async ({ appWith }) => {
    const { api } = await appWith({ uniform_responses: true })
    await api.bind('u_real', { type: 'password', password: PASSWORD })
    for (const user of ['u_real', 'u_ghost']) {
      const ids: string[] = []
      for (let i = 0; i < 6; i++) {
        const res = await api.challenge(user, { scene: 'step-up', type: 'password' })
        ids.push(res.json().verification_id)
      }
      const answers = await Promise.all(
        ids.flatMap((id) => Array.from({ length: 5 }, (_, j) => api.verify(id, `wrong ${j}`))),
      )
      expect(answers.filter((r) => r.statusCode === 400).length, user).toBeLessThanOrEqual(10)
      const next = await api.challenge(user, { scene: 'step-up', type: 'password' })
      expect(next.statusCode, user).toBe(423)
    }
  })

  it('a missing phone shows the same masked number and factor id on every challenge, as a real one does', async ({
    appWith,
  }) => {
    const { api } = await appWith({ uniform_responses: true })
    const first = await api.challenge('u_ghost', { scene: '2fa', type: 'sms' })
    const second = await api.challenge('u_ghost', { scene: '2fa', type: 'sms' })
    expect(first.statusCode).toBe(201)
    expect(second.json().to).toBe(first.json().to)
    expect(second.json().factor_id).toBe(first.json().factor_id)
    // The stand-in is never listed as a factor.
    expect(await api.factors('u_ghost')).toEqual([])
  })
})
