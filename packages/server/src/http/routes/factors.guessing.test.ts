import type { LightMyRequestResponse } from 'fastify'
import type { TestApp } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'
import { generateTotp, type TotpParameters } from '../../verifiers/totp/totp.js'

// The failure budget is claimed before a guess is judged: however many guesses race, across however many
// challenges of one factor, the verifier judges at most factor_lockout.max_failures (10) wrong ones, and the
// right secret is refused once the factor locked. Parallel bursts as an attacker sends them; on SQLite and
// (the postgres project) on PostgreSQL. test/e2e/lockout-holds-across-instances.test.ts runs the same
// attack over three processes sharing PostgreSQL and Redis.

// Send limits out of the way: a burst must be stopped by the lockout, not by a send limit.
it.scoped({
  settings: {
    limits: {
      sends_per_identifier: { max: 10_000 },
      sends_per_identifier_daily: { max: 10_000 },
      sends_per_app: { max: 100_000 },
      sms_sends_per_country: { max: 100_000 },
      sms_sends_per_prefix: { max: 100_000 },
    },
  },
})

const USER = 'u_ada'
const PASSWORD = 'correct horse battery staple'
const PHONE = '+14155552671'
const EMAIL = 'ada@example.com'
const MAX_FAILURES = 10
const CHALLENGES = 12
const GUESSES_EACH = 5

const challenge = (api: TestApi, factorId: string) => api.challenge(USER, { scene: 'step-up', factor_id: factorId })

interface Factor {
  readonly factorId: string
  /** The right secret now (TOTP moves with the clock). */
  right(): string
  /** A wrong guess, different each time where the type allows. */
  wrong(n: number): string
}

function paramsOf(body: Record<string, unknown>): TotpParameters {
  return {
    secret: String(body.secret),
    algorithm: body.algorithm as TotpParameters['algorithm'],
    digits: Number(body.digits),
    period: Number(body.period),
  }
}

/** Binds a factor of each type for USER, as the tests' `t` and `api` see it. */
const FACTORS: Record<string, (t: TestApp, api: TestApi) => Promise<Factor>> = {
  async password(_t, api) {
    const res = await api.bind(USER, { type: 'password', password: PASSWORD })
    return { factorId: res.json().factor_id, right: () => PASSWORD, wrong: (n) => `wrong password ${n}` }
  },
  async totp(t, api) {
    const res = await api.bind(USER, { type: 'totp' })
    const params = paramsOf(res.json())
    const activated = await api.activate(USER, res.json().factor_id, generateTotp(params, t.clock.nowMs()))
    expect(activated.statusCode, activated.body).toBe(200)
    // The next step: the activation used this one.
    t.clock.advanceSeconds(params.period)
    const valid = () =>
      new Set([-2, -1, 0, 1, 2].map((d) => generateTotp(params, t.clock.nowMs() + d * params.period * 1000)))
    return {
      factorId: res.json().factor_id,
      right: () => generateTotp(params, t.clock.nowMs()),
      wrong(n) {
        const taken = valid()
        for (let k = n; ; k += 1000) {
          const candidate = String(k).padStart(params.digits, '0')
          if (!taken.has(candidate)) return candidate
        }
      },
    }
  },
  async 'backup-code'(_t, api) {
    const res = await api.bind(USER, { type: 'backup-code' })
    const codes: string[] = res.json().codes
    return {
      factorId: res.json().factor_id,
      right: () => codes[0] ?? '',
      // Well-formed, never issued (the alphabet has no 0, 1, O, I or L: these are made of its letters).
      wrong: (n) => `${'ABCDE'.charAt(n % 5)}${'FGHJK'.charAt(Math.floor(n / 5) % 5)}MNP-QRSTU`,
    }
  },
  async sms(t, api) {
    return {
      factorId: await api.bindActive(USER, { type: 'sms', to: PHONE }),
      right: () => t.capture.lastCode(PHONE),
      wrong: (n) => String(100_000 + n),
    }
  },
  async email(t, api) {
    return {
      factorId: await api.bindActive(USER, { type: 'email', to: EMAIL }),
      right: () => t.capture.lastCode(EMAIL),
      wrong: (n) => String(100_000 + n),
    }
  },
}

/** Guesses the verifier judged on these verifications: each judged guess keeps its claimed attempt. */
async function judged(api: TestApi, ids: readonly string[]): Promise<number> {
  let sum = 0
  for (const id of ids) {
    const res = await api.get(id)
    sum += res.json().attempts as number
  }
  return sum
}

function expectRefusalShape(res: LightMyRequestResponse): void {
  const body = res.json()
  const allowed: Record<number, string[]> = {
    400: ['invalid_verification_code'],
    423: ['factor_locked'],
    429: ['max_attempts_reached', 'rate_limited'],
  }
  expect(allowed[res.statusCode], `${res.statusCode} ${res.body}`).toContain(body.error)
  if (body.error === 'factor_locked' || body.error === 'rate_limited') expect(body.retry_after).toBeGreaterThan(0)
}

async function openChallenges(api: TestApi, factor: Factor): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < CHALLENGES; i++) {
    const res = await challenge(api, factor.factorId)
    expect(res.statusCode, res.body).toBe(201)
    ids.push(res.json().verification_id)
  }
  return ids
}

describe.each(Object.keys(FACTORS))('a parallel guessing burst at a %s factor', (type) => {
  it(`judges at most ${MAX_FAILURES} wrong guesses over ${CHALLENGES} challenges × ${GUESSES_EACH}, then refuses the right secret`, async ({
    t,
    api,
  }) => {
    const factor = await (FACTORS[type] as (typeof FACTORS)[string])(t, api)
    const ids = await openChallenges(api, factor)
    const burst = ids.flatMap((id, i) =>
      Array.from({ length: GUESSES_EACH }, (_, j) => api.verify(id, factor.wrong(i * GUESSES_EACH + j))),
    )
    const answers = await Promise.all(burst)
    for (const res of answers) expectRefusalShape(res)
    const wrongAnswered = answers.filter((r) => r.json().error === 'invalid_verification_code').length
    expect(wrongAnswered).toBeLessThanOrEqual(MAX_FAILURES)
    const total = await judged(api, ids)
    expect(total).toBeGreaterThan(0)
    expect(total).toBeLessThanOrEqual(MAX_FAILURES)
    // Locked: a new challenge is refused, and so is the right secret on a challenge still open.
    const next = await challenge(api, factor.factorId)
    expect(next.statusCode, next.body).toBe(423)
    expect(next.json()).toMatchObject({ error: 'factor_locked', error_code: 4023 })
    const open = []
    for (const id of ids) {
      const state = (await api.get(id)).json()
      if (state.status === 'pending') open.push(id)
    }
    for (const id of open) {
      const res = await api.verify(id, factor.right())
      expect(res.statusCode, res.body).toBe(423)
      expect(res.json().error).toBe('factor_locked')
    }
    // And refusals judged nothing more.
    expect(await judged(api, ids)).toBe(total)
  })
})

describe.each([
  ['first', 0],
  ['in the middle', 30],
])('the right password %s of a burst', (_where, position) => {
  it('is judged only within the budget: at most one token, no more than 10 wrong judged, locked afterwards', async ({
    t,
    api,
  }) => {
    const factor = await (FACTORS.password as (typeof FACTORS)[string])(t, api)
    const ids = await openChallenges(api, factor)
    const guesses = ids.flatMap((id, i) =>
      Array.from({ length: GUESSES_EACH }, (_, j) => ({ id, code: factor.wrong(i * GUESSES_EACH + j) })),
    )
    guesses.splice(position, 0, { id: ids[11] ?? '', code: PASSWORD })
    const answers = await Promise.all(guesses.map((g) => api.verify(g.id, g.code)))
    const approved = answers.filter((r) => r.statusCode === 200)
    expect(approved.length).toBeLessThanOrEqual(1)
    for (const res of answers.filter((r) => r.statusCode !== 200)) {
      // A wrong guess on the challenge the right password approved finds it no longer pending.
      if (res.statusCode === 409) expect(res.json().error).toBe('verification_not_pending')
      else expectRefusalShape(res)
    }
    const wrongJudged = (await judged(api, ids)) - approved.length
    expect(wrongJudged).toBeLessThanOrEqual(MAX_FAILURES)
    // Refused unjudged, the right password changes nothing: the burst locks the factor. (When it won, it forgot
    // only the failures before its own claim; the rest may or may not have reached the limit.)
    if (approved.length === 0) expect((await challenge(api, factor.factorId)).statusCode).toBe(423)
  })
})

describe('the daily failed-checks budget of an identifier', () => {
  it('is claimed before judging: a burst judges no more than the budget, and the next guess is refused 4029', async ({
    appWith,
  }) => {
    const { api: limited } = await appWith({
      limits: { failed_checks_per_identifier: { max: 4, window_seconds: 86_400 } },
    })
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      const res = await limited.start({ channel: 'email', to: 'grace@example.com' })
      expect(res.statusCode, res.body).toBe(201)
      ids.push(res.json().verification_id)
    }
    const answers = await Promise.all(
      ids.flatMap((id) => Array.from({ length: 5 }, (_, j) => limited.verify(id, String(200_000 + j)))),
    )
    for (const res of answers) expectRefusalShape(res)
    let total = 0
    for (const id of ids) {
      total += (await limited.get(id)).json().attempts
    }
    expect(total).toBe(4)
    expect(answers.filter((r) => r.json().error === 'invalid_verification_code')).toHaveLength(4)
    const refused = answers.filter((r) => r.json().error === 'rate_limited')
    expect(refused).toHaveLength(16)
    expect(refused[0]?.headers['retry-after']).toBeDefined()
  })
})
