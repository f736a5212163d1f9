import { AppError } from '../../errors/app-error.js'
import type { FactorRow, VerificationRow } from '../../storage/database.js'
import type { Store } from '../../storage/store.js'
import type { App } from '../app-service.js'
import type { EventLog } from '../event-log.js'
import { factorLockedError } from '../factor-access.js'
import { rateLimitedError } from '../limit-error.js'
import type { Bucket, RateLimiter } from '../rate-limiter.js'
import { failedCheckBucket } from '../send-limits.js'

/**
 * One guess's share of every failure budget, taken before the guess is judged.
 *
 * A guess first claims its place — the verification's attempt, a point of the
 * identifier's daily budget (the limiter), and a place among the factor's
 * remaining failures (failures so far plus guesses still being judged stay under
 * the lockout's max_failures) — each one atomic step, and only then does the
 * verifier run (argon2, TOTP, a code's HMAC). A wrong guess becomes a failure
 * and may lock the factor; a right one resets it (in the approval's transaction,
 * which re-checks the lock). So however many guesses race, on however many
 * challenges and instances, no more are ever judged than the budgets allow.
 */
export interface GuessClaim {
  /** The verification's attempts, this guess included. */
  readonly attempts: number
  /** The factor's failures when this guess claimed its place: a success forgets those (0 without a factor). */
  readonly failuresBefore: number
  /** The guess was never judged, or was right but could not approve: every share goes back. */
  release(): Promise<void>
  /** The guess was right and approved (the factor reset in the approval): the identifier's point goes back. */
  succeeded(): Promise<void>
  /** The guess was wrong: a failure; answers the lock's end when this failure locked the factor. */
  failed(): Promise<number | undefined>
}

export interface GuessBudget {
  /**
   * Claims one guess at `row`, proving `factor` if it has one. Throws `rate_limited` (the identifier's budget)
   * or `factor_locked` when the guess may not be judged; answers undefined when the verification changed under
   * the caller (another check or a resend won): reload and look again.
   */
  claim(app: App, row: VerificationRow, factor: FactorRow | undefined, now: number): Promise<GuessClaim | undefined>
  /** `factor_locked` with `retry_after`, for a factor locked at `now`. */
  lockedError(lockedUntil: number, now: number): AppError
}

export function createGuessBudget(deps: {
  store: Store
  limits: RateLimiter
  events: EventLog
  maskOf: (row: VerificationRow) => string | undefined
}): GuessBudget {
  const { store, limits, events } = deps
  /** A claim older than this was lost with its process (a guess is judged in well under a second). */
  const LOST_CLAIM_MS = 120_000

  const lockedError = factorLockedError

  /** Locks `factor` if its failures reached the app's limit; the delay doubles with each lock. */
  async function lockIfExhausted(
    app: App,
    factor: FactorRow,
    lockCount: number,
    row: VerificationRow,
    now: number,
  ): Promise<number | undefined> {
    const policy = app.settings.factor_lockout
    const delaySeconds = Math.min(policy.max_delay_seconds, policy.base_delay_seconds * 2 ** Math.min(lockCount, 30))
    const lockedUntil = now + delaySeconds * 1000
    // The lock and its event commit together (the outbox).
    const locked = await store.transaction(async (tx) => {
      if (!(await tx.factors.lockIfExhausted(factor.id, policy.max_failures, lockedUntil, now))) return false
      await events.recordIn(tx, {
        appId: app.id,
        kind: 'factor.locked',
        verificationId: row.id,
        identifierMasked: deps.maskOf(row),
        clientIp: row.clientIp ?? undefined,
        userId: factor.userId,
        scene: row.scene,
        channel: factor.type,
        details: {
          factor_id: factor.id,
          delay_seconds: delaySeconds,
          locked_until: new Date(lockedUntil).toISOString(),
        },
      })
      return true
    })
    if (!locked) return undefined
    return lockedUntil
  }

  /**
   * The factor refused a claim: locked, or its remaining failures are all claimed by guesses still being
   * judged. Answers the error to give, or undefined when the claim may be tried again.
   */
  async function refusal(
    app: App,
    factor: FactorRow,
    row: VerificationRow,
    now: number,
  ): Promise<AppError | undefined> {
    const current = await store.factors.findById(app.id, factor.id)
    if (!current) return new AppError('factor_not_found', { message: 'The factor of this verification was removed.' })
    if (current.lockedUntil !== null && Number(current.lockedUntil) > now) {
      return lockedError(Number(current.lockedUntil), now)
    }
    const maxFailures = app.settings.factor_lockout.max_failures
    if (current.failureCount >= maxFailures) {
      const lockedUntil = await lockIfExhausted(app, current, current.lockCount, row, now)
      return lockedUntil === undefined ? undefined : lockedError(lockedUntil, now)
    }
    if (current.failureCount + current.guessesInFlight < maxFailures) return undefined
    // Claims that have not moved for minutes were lost with their process: forget them rather than refuse forever.
    if (now - Number(current.updatedAt) > LOST_CLAIM_MS) {
      await store.factors.forgetGuessesInFlight(current.id, Number(current.updatedAt), now)
      return undefined
    }
    return busyError()
  }

  async function giveBack(bucket: Bucket): Promise<void> {
    // The point was only a reservation: an outage of the counters must not fail the answer.
    await limits.refund([bucket]).catch(() => undefined)
  }

  return {
    lockedError,

    async claim(app, row, factor, now) {
      // The verification's own attempt first: of racing checks only max_attempts get further, so the shared
      // budgets below see no more than that many from one verification.
      const attempt = await store.verifications.claimAttempt(row.id, row.codeHash, now)
      if (!attempt) return undefined
      const releaseAttempt = () => store.verifications.releaseAttempt(row.id, row.codeHash, now)
      // Per factor across verifications, else per identifier.
      const bucket = failedCheckBucket(app.id, app.settings, row.factorId ?? (row.identifier || row.id))
      const decision = await limits.take([bucket]).catch(async (error: unknown) => {
        await releaseAttempt()
        throw error
      })
      if (!decision.ok) {
        await releaseAttempt()
        await events.record({
          appId: app.id,
          kind: 'check.limited',
          verificationId: row.id,
          identifierMasked: deps.maskOf(row),
          clientIp: row.clientIp ?? undefined,
        })
        throw rateLimitedError(decision)
      }
      let factorCounts: { failureCount: number; lockCount: number } | undefined
      if (factor) {
        const maxFailures = app.settings.factor_lockout.max_failures
        for (let round = 0; round < 3 && !factorCounts; round++) {
          factorCounts = await store.factors.claimGuess(factor.id, maxFailures, now)
          if (factorCounts) break
          const refused = await refusal(app, factor, row, now)
          if (refused) {
            await giveBack(bucket)
            await releaseAttempt()
            throw refused
          }
        }
        if (!factorCounts) {
          await giveBack(bucket)
          await releaseAttempt()
          throw busyError()
        }
      }
      return {
        attempts: attempt.attempts,
        failuresBefore: factorCounts?.failureCount ?? 0,
        async release() {
          await giveBack(bucket)
          if (factor) await store.factors.releaseGuess(factor.id, now)
          await releaseAttempt()
        },
        async succeeded() {
          await giveBack(bucket)
        },
        async failed() {
          if (!factor) return undefined
          const counts = await store.factors.recordFailure(factor.id, now)
          if (!counts || counts.failureCount < app.settings.factor_lockout.max_failures) return undefined
          return lockIfExhausted(app, factor, counts.lockCount, row, now)
        },
      }
    },
  }
}

/** The factor's remaining failures are all claimed by guesses still being judged: retry in a moment. */
function busyError(): AppError {
  return new AppError('rate_limited', {
    message: 'Other checks of this factor are being judged; retry in a moment.',
    details: { retry_after: 1 },
  })
}
