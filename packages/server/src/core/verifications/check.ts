import { findChannel } from '../../channels/built-in-channels.js'
import { channelPolicy } from '../../channels/channel-policy.js'
import { decryptSecret, hashCode, hmacBase64Url } from '../../crypto/secrets.js'
import { AppError } from '../../errors/app-error.js'
import type { FactorRow } from '../../storage/database.js'
import type { CheckContext, CheckOutcome } from '../../verifiers/verifier.js'
import type { App } from '../app-service.js'
import { effectiveStatus } from '../verification.js'
import { approveAndIssue } from './approve.js'
import type { VerificationContext } from './verification-context.js'
import { eventAbout, finishWithEvent } from './verification-events.js'
import type { CheckInput, CheckResult } from './verification-types.js'

export async function checkVerification(ctx: VerificationContext, app: App, input: CheckInput): Promise<CheckResult> {
  // As sent: a password may begin or end with a space. Code types strip spacing themselves.
  const answer = input.code
  let settleRounds = 0
  for (let round = 0; round < 3; round++) {
    const row = await ctx.load(app, input.verificationId)
    const now = ctx.clock.nowMs()
    if (effectiveStatus(row, now) !== 'pending') {
      if (row.status === 'pending') await finishWithEvent(ctx, app, row, 'expired', now)
      throw ctx.notPendingError(row, now)
    }
    // Every attempt is claimed by checks still being judged: their outcome is this one's answer.
    if (row.attempts >= row.maxAttempts) {
      if (settleRounds++ < 100) {
        round--
        await new Promise((resolve) => setTimeout(resolve, 5))
        continue
      }
      throw new AppError('max_attempts_reached', { details: { attempts_remaining: 0 } })
    }
    const verifier = ctx.verifiers.get(row.channel)
    let factor: FactorRow | undefined
    if (row.factorId !== null) {
      factor = await ctx.store.factors.findById(app.id, row.factorId)
      if (!factor && row.purpose !== 'decoy') {
        // The factor was removed while its challenge was open: nothing is left to prove.
        await finishWithEvent(ctx, app, row, 'canceled', now, { reason: 'factor_removed' })
        throw new AppError('factor_not_found', { message: 'The factor of this verification was removed.' })
      }
      if (factor?.lockedUntil != null && Number(factor.lockedUntil) > now) {
        throw ctx.guesses.lockedError(Number(factor.lockedUntil), now)
      }
    }
    // Counted before it is judged: see guess-budget.ts.
    const claim = await ctx.guesses.claim(app, row, factor, now)
    if (!claim) continue
    let outcome: CheckOutcome
    try {
      // A decoy (uniform_responses) is never right; it counts and locks like the real thing.
      outcome =
        row.purpose === 'decoy'
          ? { ok: false, reason: 'mismatch' }
          : await verifier.check(
              {
                answer,
                verificationId: row.id,
                codeHash: row.codeHash,
                factor: factor && {
                  id: factor.id,
                  material: factor.material === null ? null : decryptSecret(ctx.serverKeys, factor.material),
                },
              },
              checkContext(ctx, app),
            )
    } catch (error) {
      await claim.release()
      throw error
    }
    if (outcome.ok) {
      const approval = await approveAndIssue(ctx, app, row, now, {
        factor,
        material: outcome.material,
        failuresBefore: claim.failuresBefore,
      }).catch(async (error: unknown) => {
        await claim.release()
        throw error
      })
      if (approval === 'lost' || approval === 'factor_locked') await claim.release()
      else await claim.succeeded()
      if (approval === 'lost') continue
      if (approval === 'factor_locked') {
        const current = factor && (await ctx.store.factors.findById(app.id, factor.id))
        throw ctx.guesses.lockedError(Number(current?.lockedUntil ?? now + 1000), now)
      }
      const counted = findChannel(row.channel)?.guard?.afterApproval?.({
        appId: app.id,
        policy: channelPolicy(app.settings, row.channel),
        limits: app.settings.limits,
        identifier: row.identifier,
      })
      if (counted && counted.length > 0) {
        // A signal, not a gate: the approval is committed, so a counter outage must not fail the answer.
        await ctx.limits
          .take(counted)
          .catch((error: unknown) => ctx.logger.warn({ err: error }, 'approval counter not updated'))
      }
      return { ...approval, ...(outcome.details ? { details: outcome.details } : {}) }
    }
    const lockedUntil = await claim.failed()
    const lastAttempt = claim.attempts >= row.maxAttempts
    const eventBase = eventAbout(ctx, app, row)
    if (lastAttempt) {
      // The status and its event commit together (the outbox).
      await ctx.store.transaction(async (tx) => {
        await tx.verifications.exhaustAttempts(row.id, row.codeHash, now)
        await ctx.events.recordIn(tx, {
          ...eventBase,
          kind: 'verification.max_attempts_reached',
          details: { attempts: claim.attempts },
        })
      })
      // When this failure also locked the factor, say so: a new verification would be refused until retry_after.
      if (lockedUntil === undefined) {
        throw new AppError('max_attempts_reached', { details: { attempts_remaining: 0 } })
      }
    } else {
      await ctx.events.record({
        ...eventBase,
        kind: 'verification.attempt_failed',
        details: { attempts: claim.attempts, ...(outcome.reason === 'replayed' ? { replayed: true } : {}) },
      })
    }
    if (lockedUntil !== undefined) throw ctx.guesses.lockedError(lockedUntil, now)
    throw new AppError('invalid_verification_code', {
      details: { attempts_remaining: Math.max(0, row.maxAttempts - claim.attempts) },
    })
  }
  // Three lost races in a row: answer with the state as it now is.
  const row = await ctx.load(app, input.verificationId)
  throw ctx.notPendingError(row, ctx.clock.nowMs())
}

export function checkContext(ctx: VerificationContext, app: App): CheckContext {
  return {
    settings: app.settings,
    appName: app.name,
    nowMs: ctx.clock.nowMs(),
    hashCode: (verificationId, code) => hashCode(ctx.serverKeys, verificationId, code),
    hashFactorCode: (factorId, code) => hmacBase64Url(ctx.serverKeys.codeHash, `factor:${factorId}:${code}`),
    claimCounter: (factorId, counter) => ctx.store.factors.claimCounter(factorId, counter),
    consumeCode: (factorId, codeHash) => ctx.store.factors.consumeCode(factorId, codeHash, ctx.clock.nowMs()),
    countUnusedCodes: (factorId) => ctx.store.factors.countUnusedCodes(factorId),
  }
}
