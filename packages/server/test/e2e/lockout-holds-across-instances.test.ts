import { randomBytes, randomInt } from 'node:crypto'
import type { Redis } from 'ioredis'
import { Secret, TOTP } from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ApiResponse,
  type CreatedApp,
  call,
  codeFromEmailText,
  createAppWithKey,
  LIMITS_OUT_OF_THE_WAY,
} from './helpers/api.js'
import { findLeaks } from './helpers/log-leaks.js'
import {
  checkConsistency,
  createTestSchema,
  RoundRobin,
  redisDatabase,
  scaleOutSkipReason,
  smsCodeFor,
  type TestSchema,
} from './helpers/scale-out.js'
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp-receiver.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

// @see issue 13, parts 1 and 3: the failure budget is claimed before a guess is judged, and under
// uniform_responses a user without the factor answers exactly like a user with it. An attacker's parallel
// bursts spread over three server processes that share one PostgreSQL schema and one Redis database: for
// every factor type the verifier judges at most factor_lockout.max_failures (10) wrong guesses, the factor
// ends locked, and the right secret is refused right after. A judged guess keeps the attempt it claimed on
// its verification (unjudged ones give theirs back), so the sum of `attempts` over a burst's verifications
// is the number of guesses the verifier judged. src/http/routes/factors.guessing.test.ts runs the same
// attack in one process.

const skipReason = scaleOutSkipReason()
if (skipReason) process.stderr.write(`lockout-holds-across-instances: skipped — ${skipReason}.\n`)

/** This file's Redis logical database (many-instances-hold-the-rules uses 11). */
const REDIS_DB = 7
const INSTANCES = 3
/** The defaults this file keeps (and checks it kept): factor_lockout.max_failures, failed_checks_per_identifier. */
const MAX_FAILURES = 10
const FAILED_CHECKS_PER_DAY = 30
const CHALLENGES = 12
const GUESSES_EACH = 5

/** Send limits out of the way (12 codes to one phone), but not the failed-checks budget: it stays at 30/day. */
const { failed_checks_per_identifier: _keptAtDefault, ...SEND_LIMITS_OUT_OF_THE_WAY } = LIMITS_OUT_OF_THE_WAY

/** Every answer a refused or wrong guess may give: error name by status. */
const REFUSALS: Readonly<Record<number, readonly string[]>> = {
  400: ['invalid_verification_code'],
  423: ['factor_locked'],
  429: ['max_attempts_reached', 'rate_limited'],
}

/** The alphabet of backup codes (no 0, 1, O, I or L). */
const BACKUP_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

describe.skipIf(skipReason !== undefined)(
  'a factor lockout over three instances on one PostgreSQL and one Redis',
  () => {
    const secrets = secretsForTest()
    let schema: TestSchema
    let redis: Redis
    let hook: WebhookReceiver
    let smtp: SmtpReceiver
    const servers: TestServer[] = []
    let rr: RoundRobin
    let app: CreatedApp
    let uniform: CreatedApp
    /** Every secret the run used (name → value): none may reach a log. */
    const needles: Record<string, string> = {}
    /** Judged guesses per burst, for the report in the test output. */
    const figures: Record<string, unknown> = {}

    beforeAll(async () => {
      schema = await createTestSchema('lockout')
      const db = await redisDatabase(REDIS_DB)
      redis = db.client
      await redis.flushdb()
      hook = await startWebhookReceiver()
      smtp = await startSmtpReceiver()
      const webhookSecret = randomBytes(24).toString('hex')
      const env = {
        ...secrets,
        // The most talkative level: the secrets below must not appear even there.
        LOG_LEVEL: 'trace',
        DATABASE_URL: schema.databaseUrl,
        DATABASE_POOL_SIZE: '10',
        REDIS_URL: db.url,
        TESSERA_SMS_WEBHOOK_URL: hook.url,
        TESSERA_SMS_WEBHOOK_SECRET: webhookSecret,
        TESSERA_SMTP_URL: smtp.url,
        TESSERA_EMAIL_FROM: 'no-reply@tessera.test',
      }
      Object.assign(needles, {
        'admin key': secrets.TESSERA_ADMIN_KEY,
        'server secret': secrets.TESSERA_SECRET,
        'webhook secret': webhookSecret,
      })
      // The first one migrates the fresh schema; the others then start side by side.
      servers.push(await startServer({ env }))
      servers.push(...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => startServer({ env })))))
      rr = new RoundRobin(servers.map((s) => s.url))
      app = await createAppWithKey(rr.pick(), secrets.TESSERA_ADMIN_KEY, 'Lockout', {
        limits: SEND_LIMITS_OUT_OF_THE_WAY,
      })
      uniform = await createAppWithKey(rr.pick(), secrets.TESSERA_ADMIN_KEY, 'Uniform lockout', {
        uniform_responses: true,
        limits: SEND_LIMITS_OUT_OF_THE_WAY,
      })
      needles['app key'] = app.key
      needles['uniform app key'] = uniform.key
    }, 90_000)

    afterAll(async () => {
      process.stderr.write(`lockout-holds-across-instances: ${JSON.stringify(figures)}\n`)
      await Promise.all(servers.map((s) => s.stop()))
      await killAll()
      await hook?.close()
      await smtp?.close()
      await redis?.flushdb()
      redis?.disconnect()
      await schema?.drop()
      cleanupTempDirs()
    }, 30_000)

    const verify = (key: string, verificationId: string, code: string) =>
      call(rr.pick(), 'POST', '/v1/verifications/verify', {
        key,
        body: { verification_id: verificationId, verification_code: code },
        timeoutMs: 30_000,
      })

    const challenge = (key: string, userId: string, body: Record<string, unknown>) =>
      call(rr.pick(), 'POST', `/v1/users/${userId}/challenges`, { key, body: { scene: 'step-up', ...body } })

    /** Guesses the verifier judged: each judged guess keeps its claimed attempt (read through the API). */
    async function judged(key: string, ids: readonly string[]): Promise<number> {
      const views = await Promise.all(ids.map((id) => call(rr.pick(), 'GET', `/v1/verifications/${id}`, { key })))
      let sum = 0
      for (const view of views) {
        expect(view.status, JSON.stringify(view.body)).toBe(200)
        sum += view.body.attempts as number
      }
      // The API and the shared table agree.
      const row = await schema.query<{ n: number }>(
        `select coalesce(sum(attempts), 0)::int as n from ${schema.schema}.verifications where id = any($1)`,
        [ids],
      )
      expect(row.rows[0]?.n).toBe(sum)
      return sum
    }

    /** The factor's row as the instances share it. */
    async function factorRow(factorId: string) {
      const result = await schema.query<{
        failure_count: number
        guesses_in_flight: number
        lock_count: number
        locked_until: string | null
      }>(
        `select failure_count, guesses_in_flight, lock_count, locked_until from ${schema.schema}.factors where id = $1`,
        [factorId],
      )
      const row = result.rows[0]
      if (!row) throw new Error(`no factor ${factorId}`)
      return { ...row, lockedUntil: row.locked_until === null ? null : Number(row.locked_until) }
    }

    function expectNo5xx(answers: readonly ApiResponse[]): void {
      const failed = answers.filter((r) => r.status >= 500)
      expect(failed.map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([])
    }

    /** A wrong or refused guess: one of the four answers, with retry_after where it belongs, and no token. */
    function expectRefusal(res: ApiResponse): void {
      expect(REFUSALS[res.status], `${res.status} ${JSON.stringify(res.body)}`).toContain(res.body?.error)
      expect(res.body.verification_token).toBeUndefined()
      if (res.body.error === 'factor_locked') {
        expect(res.body.error_code).toBe(4023)
        expect(res.body.retry_after).toBeGreaterThan(0)
      }
      if (res.body.error === 'rate_limited') {
        expect(res.body.error_code).toBe(4029)
        expect(res.body.retry_after).toBeGreaterThan(0)
      }
      if (res.body.error === 'max_attempts_reached') expect(res.body.error_code).toBe(4006)
      if (res.body.error === 'invalid_verification_code') expect(res.body.error_code).toBe(4001)
    }

    function tally(answers: readonly ApiResponse[]): Record<string, number> {
      const counts: Record<string, number> = {}
      for (const r of answers) {
        const name = `${r.status} ${r.body?.error ?? 'ok'}`
        counts[name] = (counts[name] ?? 0) + 1
      }
      return counts
    }

    const countOf = (answers: readonly ApiResponse[], error: string) =>
      answers.filter((r) => r.body?.error === error).length

    interface Target {
      readonly userId: string
      readonly factorId: string
      /** The right secret for a challenge (a delivered code is the challenge's own). */
      right(verificationId: string): string
      /** A wrong guess for a challenge; `n` numbers the guess in the burst. */
      wrong(verificationId: string, n: number): string
      /** Called once per challenge opened, before the burst (a delivered code is read here). */
      opened(verificationId: string): Promise<void>
    }

    const newUser = (label: string) => `u_${label}_${randomBytes(4).toString('hex')}`

    async function bind(userId: string, body: Record<string, unknown>): Promise<ApiResponse> {
      const bound = await call(rr.pick(), 'POST', `/v1/users/${userId}/factors`, { key: app.key, body })
      expect(bound.status, JSON.stringify(bound.body)).toBe(201)
      return bound
    }

    async function activate(userId: string, factorId: string, code: string): Promise<void> {
      const activated = await call(rr.pick(), 'POST', `/v1/users/${userId}/factors/${factorId}/activate`, {
        key: app.key,
        body: { verification_code: code },
      })
      expect(activated.status, JSON.stringify(activated.body)).toBe(200)
      expect(activated.body).toMatchObject({ status: 'active' })
    }

    async function passwordTarget(label: string): Promise<Target & { readonly password: string }> {
      const userId = newUser(label)
      const password = `pw-${randomBytes(12).toString('base64url')}`
      needles[`${label} password`] = password
      const bound = await bind(userId, { type: 'password', password })
      return {
        userId,
        password,
        factorId: bound.body.factor_id,
        right: () => password,
        wrong(_id, n) {
          const guess = `guess-${n}-${randomBytes(6).toString('base64url')}`
          needles[`${label} wrong password ${n}`] = guess
          return guess
        },
        opened: async () => undefined,
      }
    }

    const TARGETS: Record<string, () => Promise<Target>> = {
      password: () => passwordTarget('password'),

      async totp() {
        const userId = newUser('totp')
        const bound = await bind(userId, { type: 'totp' })
        needles['TOTP secret'] = bound.body.secret
        const params = { algorithm: bound.body.algorithm, digits: bound.body.digits, period: bound.body.period }
        const totp = new TOTP({ secret: Secret.fromBase32(bound.body.secret), ...params })
        const activation = totp.generate()
        needles['TOTP activation code'] = activation
        await activate(userId, bound.body.factor_id, activation)
        // Wrong codes are another authenticator's: well formed, never valid within the window of this one.
        const other = new TOTP({ secret: new Secret({ size: 20 }), ...params })
        const validNow = () =>
          new Set([-2, -1, 0, 1, 2].map((d) => totp.generate({ timestamp: Date.now() + d * totp.period * 1000 })))
        return {
          userId,
          factorId: bound.body.factor_id,
          right: () => totp.generate(),
          wrong(_id, n) {
            const taken = validNow()
            for (let k = 0; ; k++) {
              const guess = other.generate({ timestamp: Date.now() + (n * 7 + k) * other.period * 1000 })
              if (!taken.has(guess)) {
                needles[`TOTP wrong code ${n}`] = guess
                return guess
              }
            }
          },
          opened: async () => undefined,
        }
      },

      async 'backup-code'() {
        const userId = newUser('backup')
        const bound = await bind(userId, { type: 'backup-code' })
        const codes: string[] = bound.body.codes
        expect(codes).toHaveLength(10)
        codes.forEach((code, i) => {
          needles[`backup code ${i}`] = code
        })
        const issued = new Set(codes.map((c) => c.replace('-', '')))
        return {
          userId,
          factorId: bound.body.factor_id,
          right: () => codes[0] ?? '',
          wrong(_id, n) {
            for (;;) {
              const raw = Array.from({ length: 10 }, () => BACKUP_ALPHABET[randomInt(BACKUP_ALPHABET.length)]).join('')
              if (issued.has(raw)) continue
              const guess = `${raw.slice(0, 5)}-${raw.slice(5)}`
              needles[`backup wrong code ${n}`] = guess
              return guess
            }
          },
          opened: async () => undefined,
        }
      },

      async sms() {
        const userId = newUser('sms')
        const phone = `+1415555${randomInt(1000, 9999)}`
        needles.phone = phone
        const bound = await bind(userId, { type: 'sms', to: phone })
        const activation = await smsCodeFor(hook, bound.body.verification_id)
        needles['sms activation code'] = activation
        await activate(userId, bound.body.factor_id, activation)
        return deliveredCodeTarget('sms', userId, bound.body.factor_id, (id) => smsCodeFor(hook, id))
      },

      async email() {
        const userId = newUser('email')
        const email = `${userId}@example.org`
        needles.email = email
        const bound = await bind(userId, { type: 'email', to: email })
        const activation = codeFromEmailText((await smtp.nextMessage(email)).text ?? '')
        needles['email activation code'] = activation
        await activate(userId, bound.body.factor_id, activation)
        // Challenges are opened one after the other and answer once the mail is accepted: the next mail is theirs.
        return deliveredCodeTarget('email', userId, bound.body.factor_id, async () =>
          codeFromEmailText((await smtp.nextMessage(email)).text ?? ''),
        )
      },
    }

    /** A factor proven by a code sent to it: each challenge has its own code; wrong ones match none of them. */
    function deliveredCodeTarget(
      label: string,
      userId: string,
      factorId: string,
      codeOf: (verificationId: string) => Promise<string>,
    ): Target {
      const codes = new Map<string, string>()
      const used = new Set<string>()
      return {
        userId,
        factorId,
        async opened(id) {
          const code = await codeOf(id)
          needles[`${label} code for ${id}`] = code
          codes.set(id, code)
        },
        right: (id) => codes.get(id) ?? '',
        wrong(_id, n) {
          const delivered = new Set(codes.values())
          for (;;) {
            const guess = String(randomInt(100_000, 1_000_000))
            if (delivered.has(guess) || used.has(guess)) continue
            used.add(guess)
            needles[`${label} wrong code ${n}`] = guess
            return guess
          }
        },
      }
    }

    async function openChallenges(target: Target): Promise<string[]> {
      const ids: string[] = []
      // One after the other: a delivered code is read before the next challenge sends another.
      for (let i = 0; i < CHALLENGES; i++) {
        const opened = await challenge(app.key, target.userId, { factor_id: target.factorId })
        expect(opened.status, JSON.stringify(opened.body)).toBe(201)
        const id: string = opened.body.verification_id
        ids.push(id)
        await target.opened(id)
      }
      return ids
    }

    it('the instances are ready, and the app keeps the default lockout and failed-checks budget', async () => {
      for (const server of servers) {
        const ready = await call(server.url, 'GET', '/readyz')
        expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } })
      }
      for (const created of [app, uniform]) {
        const seen = await call(rr.pick(), 'GET', `/admin/v1/apps/${created.appId}`, { key: secrets.TESSERA_ADMIN_KEY })
        expect(seen.status, JSON.stringify(seen.body)).toBe(200)
        expect(seen.body.settings.factor_lockout.max_failures).toBe(MAX_FAILURES)
        expect(seen.body.settings.limits.failed_checks_per_identifier.max).toBe(FAILED_CHECKS_PER_DAY)
      }
    })

    describe.each(Object.keys(TARGETS))(
      '%s: 12 challenges × 5 wrong guesses, all at once over the instances',
      (type) => {
        it(`judges at most ${MAX_FAILURES}, locks the factor, and the right secret is refused right after`, async () => {
          const target = await (TARGETS[type] as () => Promise<Target>)()
          const ids = await openChallenges(target)
          const guesses = ids.flatMap((id, i) =>
            Array.from({ length: GUESSES_EACH }, (_, j) => target.wrong(id, i * GUESSES_EACH + j)).map((code) => ({
              id,
              code,
            })),
          )
          const answers = await Promise.all(guesses.map((g) => verify(app.key, g.id, g.code)))

          expectNo5xx(answers)
          for (const res of answers) expectRefusal(res)
          const invalid = countOf(answers, 'invalid_verification_code')
          const exhausted = countOf(answers, 'max_attempts_reached')
          const total = await judged(app.key, ids)
          figures[type] = { judged: total, answers: tally(answers) }
          expect(invalid).toBeLessThanOrEqual(MAX_FAILURES)
          expect(total).toBeGreaterThanOrEqual(1)
          expect(total).toBeLessThanOrEqual(MAX_FAILURES)
          // Every judged guess answered 4001 or 4006, except the one whose failure locked the factor (423) —
          // unless a refused guess saw the failures reach the limit and locked it first.
          expect(total - (invalid + exhausted), JSON.stringify(tally(answers))).toBeGreaterThanOrEqual(0)
          expect(total - (invalid + exhausted), JSON.stringify(tally(answers))).toBeLessThanOrEqual(1)

          // The shared row: locked, and no claim left behind by any instance.
          const row = await factorRow(target.factorId)
          expect(row.guesses_in_flight).toBe(0)
          expect(row.lock_count).toBe(1)
          expect(row.lockedUntil).toBeGreaterThan(Date.now())

          // Right after the burst, on every instance, the right secret is refused: a new challenge is refused…
          for (const url of rr.urls) {
            const next = await call(url, 'POST', `/v1/users/${target.userId}/challenges`, {
              key: app.key,
              body: { scene: 'step-up', factor_id: target.factorId },
            })
            if (next.status === 201) {
              // (Were it accepted, the right secret on it must be.)
              const id: string = next.body.verification_id
              await target.opened(id)
              const right = await verify(app.key, id, target.right(id))
              expect(right.status, JSON.stringify(right.body)).toBe(423)
              expect(right.body).toMatchObject({ error: 'factor_locked', error_code: 4023 })
            } else {
              expect(next.status, JSON.stringify(next.body)).toBe(423)
              expect(next.body).toMatchObject({ error: 'factor_locked', error_code: 4023 })
              expect(next.body.retry_after).toBeGreaterThan(0)
            }
          }
          // …and so is the right secret on every challenge of the burst still open.
          const views = await Promise.all(
            ids.map((id) => call(rr.pick(), 'GET', `/v1/verifications/${id}`, { key: app.key })),
          )
          const open = ids.filter((_, i) => views[i]?.body.status === 'pending')
          const rights = await Promise.all(open.map((id) => verify(app.key, id, target.right(id))))
          for (const right of rights) {
            expect(right.status, JSON.stringify(right.body)).toBe(423)
            expect(right.body).toMatchObject({ error: 'factor_locked', error_code: 4023 })
            expect(right.body.verification_token).toBeUndefined()
          }
          // Refused guesses were never judged.
          expect(await judged(app.key, ids)).toBe(total)
          const tokens = await schema.query<{ n: number }>(
            `select count(*)::int as n from ${schema.schema}.tokens where verification_id = any($1)`,
            [ids],
          )
          expect(tokens.rows[0]?.n).toBe(0)
        }, 60_000)
      },
    )

    it.each([
      ['first', 0],
      ['in the middle', 30],
    ])(
      'the right password %s of 60 wrong ones: at most 10 wrong judged, at most one token, then locked',
      async (_where, position) => {
        const target = await passwordTarget(`mixed${position}`)
        const ids = await openChallenges(target)
        const guesses = ids.flatMap((id, i) =>
          Array.from({ length: GUESSES_EACH }, (_, j) => ({
            id,
            code: target.wrong(id, i * GUESSES_EACH + j),
            right: false,
          })),
        )
        // In the middle, the right password leaves after 30 wrong ones: by then the lockout's places are all
        // claimed, so it is refused unjudged. First, it can win — and its success forgets only the failures
        // before its own claim, so the wrong ones judged meanwhile still count: never more than 10 either way.
        const rightOn = ids[CHALLENGES - 1] ?? ''
        guesses.splice(position, 0, { id: rightOn, code: target.password, right: true })
        const answers = await Promise.all(guesses.map((g) => verify(app.key, g.id, g.code)))

        expectNo5xx(answers)
        const approved = answers.filter((r) => r.status === 200)
        for (const res of answers.filter((r) => r.status !== 200)) {
          // A wrong guess on the approved challenge may find it no longer pending.
          if (res.status === 409) expect(res.body.error).toBe('verification_not_pending')
          else expectRefusal(res)
        }
        const rightAnswer = answers[guesses.findIndex((g) => g.right)]
        const total = await judged(app.key, ids)
        const wrongJudged = total - approved.length
        figures.mixed = { judged: total, wrongJudged, right: rightAnswer?.status, answers: tally(answers) }
        expect(approved.length).toBeLessThanOrEqual(1)
        if (approved.length === 1) {
          // Only the right password can win, and only once.
          expect(approved[0]).toBe(rightAnswer)
          expect(approved[0]?.body.verification_token).toEqual(expect.any(String))
          needles['mixed token'] = approved[0]?.body.verification_token
        }
        expect(wrongJudged).toBeLessThanOrEqual(MAX_FAILURES)
        expect(countOf(answers, 'invalid_verification_code')).toBeLessThanOrEqual(MAX_FAILURES)
        const tokens = await schema.query<{ n: number }>(
          `select count(*)::int as n from ${schema.schema}.tokens where verification_id = any($1)`,
          [ids],
        )
        expect(tokens.rows[0]?.n).toBe(approved.length)

        const row = await factorRow(target.factorId)
        expect(row.guesses_in_flight).toBe(0)
        // A right password that won forgot only the failures before its own claim: the rest may not have reached
        // the limit. Refused unjudged, it changed nothing, and the burst locked the factor.
        if (approved.length === 1) return
        expect(row.lockedUntil, JSON.stringify(figures.mixed)).toBeGreaterThan(Date.now())
        const next = await challenge(app.key, target.userId, { factor_id: target.factorId })
        expect(next.status, JSON.stringify(next.body)).toBe(423)
        expect(next.body).toMatchObject({ error: 'factor_locked', error_code: 4023 })
      },
      60_000,
    )

    describe('uniform_responses: a user without a password answers as one with it, lock included', () => {
      /** What an attacker sees of an answer: status, error, and the names of the fields. */
      const seen = (res: ApiResponse) =>
        `${res.status} ${res.body?.error ?? '-'} [${Object.keys(res.body ?? {})
          .sort()
          .join(',')}]`

      async function uniformPasswordUser(label: string, withPassword: boolean): Promise<string> {
        const userId = newUser(label)
        if (withPassword) {
          const password = `pw-${randomBytes(12).toString('base64url')}`
          needles[`${label} password`] = password
          const bound = await call(rr.pick(), 'POST', `/v1/users/${userId}/factors`, {
            key: uniform.key,
            body: { type: 'password', password },
          })
          expect(bound.status, JSON.stringify(bound.body)).toBe(201)
        }
        return userId
      }

      const wrongPassword = (label: string, n: number) => {
        const guess = `guess-${n}-${randomBytes(6).toString('base64url')}`
        needles[`${label} wrong password ${n}`] = guess
        return guess
      }

      it('12 rounds of challenge + one wrong password, one after the other: the same answers, 423 from the tenth', async () => {
        const withIt = await uniformPasswordUser('uniform-real', true)
        const without = await uniformPasswordUser('uniform-none', false)

        async function rounds(userId: string, label: string): Promise<string[]> {
          const answers: string[] = []
          for (let round = 0; round < 12; round++) {
            const opened = await challenge(uniform.key, userId, { type: 'password' })
            answers.push(`challenge ${seen(opened)}`)
            if (opened.status !== 201) continue
            const guess = await verify(uniform.key, opened.body.verification_id, wrongPassword(label, round))
            answers.push(`guess ${seen(guess)}`)
          }
          const after = await challenge(uniform.key, userId, { type: 'password' })
          answers.push(`challenge ${seen(after)}`)
          return answers
        }
        const real = await rounds(withIt, 'uniform-real')
        const decoy = await rounds(without, 'uniform-none')
        figures.uniformSequence = real.map((line) => line.replace(/ \[.*\]$/, ''))

        // What both must be: nine failures, the tenth locks, then every challenge is refused.
        const shape = (lines: string[]) => lines.map((line) => line.replace(/ \[.*\]$/, ''))
        expect(shape(real)).toEqual([
          ...Array.from({ length: 9 }, () => ['challenge 201 -', 'guess 400 invalid_verification_code']).flat(),
          'challenge 201 -',
          'guess 423 factor_locked',
          'challenge 423 factor_locked',
          'challenge 423 factor_locked',
          'challenge 423 factor_locked',
        ])
        // And the user without the factor answers exactly alike, field names included.
        expect(decoy).toEqual(real)
      }, 60_000)

      it('the same as a parallel burst for both users at once: each judges at most 10, and both end locked', async () => {
        const users = [
          { label: 'uniform-burst-real', userId: await uniformPasswordUser('uniform-burst-real', true) },
          { label: 'uniform-burst-none', userId: await uniformPasswordUser('uniform-burst-none', false) },
        ]
        const opened = new Map<string, string[]>()
        for (const { userId } of users) {
          const ids: string[] = []
          for (let i = 0; i < CHALLENGES; i++) {
            const c = await challenge(uniform.key, userId, { type: 'password' })
            expect(c.status, JSON.stringify(c.body)).toBe(201)
            ids.push(c.body.verification_id)
          }
          opened.set(userId, ids)
        }
        const guesses = users.flatMap(({ label, userId }) =>
          (opened.get(userId) ?? []).flatMap((id, i) =>
            Array.from({ length: GUESSES_EACH }, (_, j) => ({
              userId,
              id,
              code: wrongPassword(label, 100 + i * 5 + j),
            })),
          ),
        )
        // Shuffled, so both users' guesses race over the instances together.
        for (let i = guesses.length - 1; i > 0; i--) {
          const j = randomInt(i + 1)
          ;[guesses[i], guesses[j]] = [guesses[j] as (typeof guesses)[number], guesses[i] as (typeof guesses)[number]]
        }
        const answers = await Promise.all(guesses.map((g) => verify(uniform.key, g.id, g.code)))
        expectNo5xx(answers)
        for (const res of answers) expectRefusal(res)

        const burst: Record<string, unknown> = {}
        for (const { label, userId } of users) {
          const mine = answers.filter((_, i) => guesses[i]?.userId === userId)
          const total = await judged(uniform.key, opened.get(userId) ?? [])
          burst[label] = { judged: total, answers: tally(mine) }
          expect(countOf(mine, 'invalid_verification_code')).toBeLessThanOrEqual(MAX_FAILURES)
          expect(total).toBeGreaterThanOrEqual(1)
          expect(total).toBeLessThanOrEqual(MAX_FAILURES)
        }
        figures.uniformBurst = burst
        const nexts = await Promise.all(users.map(({ userId }) => challenge(uniform.key, userId, { type: 'password' })))
        for (const next of nexts) {
          expect(next.status, JSON.stringify(next.body)).toBe(423)
          expect(next.body).toMatchObject({ error: 'factor_locked', error_code: 4023 })
        }
        expect(seen(nexts[1] as ApiResponse)).toBe(seen(nexts[0] as ApiResponse))
      }, 60_000)
    })

    it('leaves the tables consistent', async () => {
      const report = await checkConsistency(schema)
      expect(report.violations).toEqual([])
    })

    it('no password, code, secret or token of the run appears in any instance’s log (at trace)', async () => {
      for (const server of servers) expect(await server.stop()).toBe(0)
      const lines = servers.flatMap((s) => s.allLines())
      // The logs were really written, by all three.
      for (const server of servers) expect(server.allLines().length).toBeGreaterThan(100)
      expect(Object.keys(needles).length).toBeGreaterThan(300)
      expect(findLeaks(lines, needles)).toEqual([])
    }, 30_000)
  },
)
