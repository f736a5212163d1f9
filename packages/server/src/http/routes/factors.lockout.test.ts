import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../../test/helpers/create-test-app.js'

// Lockout per factor: consecutive failures across verifications lock the factor for a doubling delay.

let t: TestApp
let key: string
let appId: string

const LOCKOUT = { max_failures: 3, base_delay_seconds: 60, max_delay_seconds: 100 }
const USER = 'u_ada'
const PASSWORD = 'correct horse battery staple'

beforeEach(async () => {
  t = await createTestApp()
  // The cross-verification guessing budget (settings.limits) is raised so only the factor lockout is under test.
  ;({ key, appId } = await t.createApp({
    factor_lockout: LOCKOUT,
    limits: { failed_checks_per_identifier: { max: 1000 } },
  }))
})
afterEach(async () => {
  await t.close()
})

const bind = (body: Record<string, unknown>) => t.request('POST', `/v1/users/${USER}/factors`, { key, body })
const challenge = (body: Record<string, unknown> = { scene: 'step-up', type: 'password' }) =>
  t.request('POST', `/v1/users/${USER}/challenges`, { key, body })
const verify = (verificationId: string, code: string) =>
  t.request('POST', '/v1/verifications/verify', {
    key,
    body: { verification_id: verificationId, verification_code: code },
  })

async function open(): Promise<string> {
  const res = await challenge()
  expect(res.statusCode).toBe(201)
  return res.json().verification_id
}

function expectLocked(res: LightMyRequestResponse, retryAfter: number): void {
  expect(res.statusCode).toBe(423)
  expect(res.json()).toMatchObject({ error: 'factor_locked', error_code: 4023, retry_after: retryAfter })
  expect(res.headers['retry-after']).toBe(String(retryAfter))
}

function expectWrong(res: LightMyRequestResponse): void {
  expect(res.statusCode).toBe(400)
  expect(res.json().error).toBe('invalid_verification_code')
}

async function lockEvents() {
  const res = await t.request('GET', `/admin/v1/apps/${appId}/events?kind=factor.locked`, { key: TEST_ADMIN_KEY })
  expect(res.statusCode).toBe(200)
  return res.json().events as Array<{ kind: string; details: Record<string, unknown> }>
}

describe('factor lockout', () => {
  let factorId: string
  beforeEach(async () => {
    factorId = (await bind({ type: 'password', password: PASSWORD })).json().factor_id
  })

  it('counts failures across challenges, locks with 423 + retry_after + Retry-After, refuses challenges while locked, and reopens after the delay', async () => {
    const first = await open()
    expectWrong(await verify(first, 'wrong password 1'))
    expectWrong(await verify(first, 'wrong password 2'))

    // A new challenge does not start the count again: the third failure locks.
    const second = await open()
    expectLocked(await verify(second, 'wrong password 3'), 60)

    // Locked: no new challenge, and no answer — not even the right one — on an open one.
    expectLocked(await challenge(), 60)
    expectLocked(await verify(first, PASSWORD), 60)
    expectLocked(await verify(second, PASSWORD), 60)
    const listed = (await t.request('GET', `/v1/users/${USER}/factors`, { key })).json().factors[0]
    expect(listed.locked_until).toBe(new Date(t.clock.nowMs() + 60_000).toISOString())

    t.clock.advanceSeconds(45)
    expectLocked(await challenge(), 15)

    t.clock.advanceSeconds(15)
    const after = await open()
    const ok = await verify(after, PASSWORD)
    expect(ok.statusCode).toBe(200)
    expect((await t.request('GET', `/v1/users/${USER}/factors`, { key })).json().factors[0].locked_until).toBeNull()

    const events = await lockEvents()
    expect(events).toHaveLength(1)
    expect(events[0]?.details).toMatchObject({ factor_id: factorId, user_id: USER, delay_seconds: 60 })
  })

  it('the next lock doubles, capped at max_delay_seconds (60 s, then 100 not 120)', async () => {
    const round = async () => {
      const id = await open()
      expectWrong(await verify(id, 'nope nope 1'))
      expectWrong(await verify(id, 'nope nope 2'))
      return verify(id, 'nope nope 3')
    }
    expectLocked(await round(), 60)
    t.clock.advanceSeconds(60)
    expectLocked(await round(), 100)
    t.clock.advanceSeconds(99)
    expectLocked(await challenge(), 1)
    t.clock.advanceSeconds(1)
    expectLocked(await round(), 100)
    expect((await lockEvents()).map((e) => e.details.delay_seconds)).toEqual([100, 100, 60])
  })

  it('a success resets the count and the doubling', async () => {
    // Lock once, so the next lock would be 100 s without a reset.
    const id = await open()
    for (const wrong of ['bad one 1', 'bad one 2']) expectWrong(await verify(id, wrong))
    expectLocked(await verify(id, 'bad one 3'), 60)
    t.clock.advanceSeconds(60)

    // Two failures, a success, two failures: no lock (four failures, but never three in a row).
    const a = await open()
    expectWrong(await verify(a, 'bad two 1'))
    expectWrong(await verify(a, 'bad two 2'))
    expect((await verify(a, PASSWORD)).statusCode).toBe(200)
    const b = await open()
    expectWrong(await verify(b, 'bad three 1'))
    expectWrong(await verify(b, 'bad three 2'))
    // The third in a row locks — for the base delay again, as the success reset the doubling.
    expectLocked(await verify(b, 'bad three 3'), 60)
  })

  it('locks only the failing factor: the user’s other factors still work', async () => {
    const codes = (await bind({ type: 'backup-code' })).json().codes as string[]
    const id = await open()
    for (const wrong of ['x1 wrong pw', 'x2 wrong pw']) expectWrong(await verify(id, wrong))
    expectLocked(await verify(id, 'x3 wrong pw'), 60)
    expectLocked(await challenge(), 60)

    const other = await challenge({ scene: 'step-up', type: 'backup-code' })
    expect(other.statusCode).toBe(201)
    expect((await verify(other.json().verification_id, codes[0] ?? '')).statusCode).toBe(200)
    // …and the success on the other factor does not unlock this one.
    expectLocked(await challenge(), 60)
  })

  it('activation failures of a pending factor count too', async () => {
    const bound = (await bind({ type: 'sms', to: '+14155552671' })).json()
    const code = t.capture.lastCode('+14155552671')
    const wrong = ['000000', '111111', '222222'].filter((c) => c !== code)
    const activate = (c: string) =>
      t.request('POST', `/v1/users/${USER}/factors/${bound.factor_id}/activate`, {
        key,
        body: { verification_code: c },
      })
    expectWrong(await activate(wrong[0] ?? ''))
    expectWrong(await activate(wrong[1] ?? ''))
    const third = await activate(code === '333333' ? '444444' : '333333')
    expectLocked(third, 60)
    expectLocked(await activate(code), 60)
  })

  it('30 wrong answers in parallel over 10 challenges lock the factor once, with never max_failures failures left uncounted', async () => {
    const ids: string[] = []
    for (let i = 0; i < 10; i++) ids.push(await open())
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => verify(ids[i % 10] ?? '', `wrong password #${i}`)),
    )
    const statuses = results.map((r) => r.statusCode)
    // 400 wrong, 423 locked; 429 would be the app's separate daily guessing budget per factor cutting in.
    for (const status of statuses) expect([400, 423, 429]).toContain(status)
    expect(statuses.filter((s) => s === 423).length).toBeGreaterThan(0)
    for (const res of results.filter((r) => r.statusCode === 423)) expect(res.json().retry_after).toBe(60)

    // Exactly one lock (the clock did not move, so the factor stayed locked), and the counter
    // holds fewer than max_failures failures: no run of failures piled up behind the lock.
    // (Checks that raced past the lock check may still answer 4001, but are not counted.)
    expect(await lockEvents()).toHaveLength(1)
    const row = await t.tessera.store.factors.findById(appId, factorId)
    expect(row?.failureCount).toBeLessThan(LOCKOUT.max_failures)
    expect(row?.lockCount).toBe(1)
    expect(Number(row?.lockedUntil)).toBe(t.clock.nowMs() + 60_000)
    expectLocked(await challenge(), 60)

    // The lock lasts the base delay, then challenges open again.
    t.clock.advanceSeconds(60)
    expect((await challenge()).statusCode).toBe(201)
  })
})

describe('lockout limits in settings', () => {
  it('max_failures above 100 is refused (NIST SP 800-63B)', async () => {
    const res = await t.request('POST', '/admin/v1/apps', {
      key: TEST_ADMIN_KEY,
      body: { name: 'Lax', settings: { factor_lockout: { max_failures: 101 } } },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error_description).toContain('factor_lockout.max_failures')
  })

  it('the default locks after 10 consecutive failures for 60 s', async () => {
    const other = await t.createApp()
    const userBind = await t.request('POST', `/v1/users/${USER}/factors`, {
      key: other.key,
      body: { type: 'password', password: PASSWORD },
    })
    expect(userBind.statusCode).toBe(201)
    const start = async () =>
      (
        await t.request('POST', `/v1/users/${USER}/challenges`, {
          key: other.key,
          body: { scene: 'step-up', type: 'password' },
        })
      ).json().verification_id as string
    const check = (id: string, code: string) =>
      t.request('POST', '/v1/verifications/verify', {
        key: other.key,
        body: { verification_id: id, verification_code: code },
      })
    // Five attempts per challenge by default: two challenges for ten failures.
    const first = await start()
    for (let i = 0; i < 5; i++) {
      const res = await check(first, `wrong ${i} password`)
      expect(res.statusCode).toBe(i < 4 ? 400 : 429)
    }
    const second = await start()
    for (let i = 5; i < 9; i++) expectWrong(await check(second, `wrong ${i} password`))
    // The tenth failure both uses up this challenge and locks the factor: the answer names the
    // lock (a new challenge would be refused until retry_after), not only the spent challenge.
    expectLocked(await check(second, 'wrong 9 password'), 60)
    expectLocked(
      await t.request('POST', `/v1/users/${USER}/challenges`, {
        key: other.key,
        body: { scene: 'step-up', type: 'password' },
      }),
      60,
    )
  })
})
