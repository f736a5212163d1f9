import { findChannel } from '../../channels/built-in-channels.js'
import { channelPolicy } from '../../channels/channel-policy.js'
import { decryptSecret, hashCode, hmacBase64Url } from '../../crypto/secrets.js'
import { AppError } from '../../errors/app-error.js'
import type { FactorRow } from '../../storage/database.js'
import type { CheckContext, CheckOutcome, PresentContext, Verifier } from '../../verifiers/verifier.js'
import type { App } from '../app-service.js'
import { effectiveStatus } from '../verification.js'
import { approveAndIssue } from './approve.js'
import { presentContext } from './presented-challenge.js'
import type { VerificationContext } from './verification-context.js'
import { eventAbout, finishWithEvent } from './verification-events.js'
import type { CheckInput, CheckResult } from './verification-types.js'

export async function checkVerification(ctx: VerificationContext, app: App, input: CheckInput): Promise<CheckResult> {
  // As sent: a password may begin or end with a space. Code types strip spacing themselves.
  const answer = input.code ?? ''
  let settleRounds = 0
  for (let round = 0; round < 3; round++) {
    const loaded = await ctx.load(app, input.verificationId)
    const now = ctx.clock.nowMs()
    if (effectiveStatus(loaded, now) !== 'pending') {
      if (loaded.status === 'pending') await finishWithEvent(ctx, app, loaded, 'expired', now)
      throw ctx.notPendingError(loaded, now)
    }
    const verifier = ctx.verifiers.get(loaded.channel)
    const fields = answerOf(verifier, input)
    // Every attempt is claimed by checks still being judged: their outcome is this one's answer.
    if (loaded.attempts >= loaded.maxAttempts) {
      if (settleRounds++ < 100) {
        round--
        await new Promise((resolve) => setTimeout(resolve, 5))
        continue
      }
      throw new AppError('max_attempts_reached', { details: { attempts_remaining: 0 } })
    }
    let row = loaded
    let factor: FactorRow | undefined
    if (row.factorId !== null) {
      factor = await ctx.store.factors.findById(app.id, row.factorId)
      if (!factor && row.purpose !== 'decoy') {
        // The factor was removed while its challenge was open: nothing is left to prove.
        await finishWithEvent(ctx, app, row, 'canceled', now, { reason: 'factor_removed' })
        throw new AppError('factor_not_found', { message: 'The factor of this verification was removed.' })
      }
    }
    // An answer that names its credential (a passkey) proves the factor holding it: any of the challenged user's,
    // or anybody's for a discoverable challenge. Another user's credential proves nothing here, so the challenged
    // factor stays the one judged (and failing) — a wrong answer still counts against the user's lockout.
    const named = row.purpose === 'verify' ? verifier.factorIdentifierOf?.(fields) : undefined
    if (named !== undefined) {
      const holder = await ctx.store.factors.findActiveByIdentifier(app.id, verifier.type, named)
      if (holder && (row.userId === null || holder.userId === row.userId)) {
        factor = holder
        row = { ...row, factorId: holder.id, userId: holder.userId }
      }
    }
    if (factor?.lockedUntil != null && Number(factor.lockedUntil) > now) {
      throw ctx.guesses.lockedError(Number(factor.lockedUntil), now)
    }
    // Counted before it is judged: see guess-budget.ts.
    const claim = await ctx.guesses.claim(app, row, factor, now)
    if (!claim) continue
    let outcome: CheckOutcome
    try {
      // A decoy (uniform_responses) is never right; it counts and locks like the real thing.
      // …after the work a real check would do, so that its answer takes as long.
      if (row.purpose === 'decoy') await verifier.judgeDecoy?.(answer)
      outcome =
        row.purpose === 'decoy'
          ? {
              ok: false,
              reason: 'mismatch',
              // A credential answer is refused as a real one naming no credential of the user would be.
              ...(verifier.answerFields ? { refusal: UNKNOWN_CREDENTIAL } : {}),
            }
          : await verifier.check(
              {
                answer,
                verificationId: row.id,
                codeHash: row.codeHash,
                factor: factor && {
                  id: factor.id,
                  userId: factor.userId,
                  identifier: factor.identifier,
                  material: factor.material === null ? null : decryptSecret(ctx.serverKeys, factor.material),
                  lastCounter: factor.lastCounter === null ? null : Number(factor.lastCounter),
                },
                fields,
                purpose: row.purpose === 'activate' ? 'activate' : 'verify',
              },
              checkContext(ctx, app),
            )
      if (outcome.ok && outcome.identifier !== undefined && factor) {
        // WebAuthn §7.1 step 27: a credential id already registered (to anyone in the app) is refused, so a
        // lookup by credential id always finds one factor.
        const holder = await ctx.store.factors.findActiveByIdentifier(app.id, verifier.type, outcome.identifier)
        if (holder && holder.id !== factor.id) {
          outcome = {
            ok: false,
            reason: 'mismatch',
            refusal: { reason: 'credential_registered', message: 'This credential is already registered.' },
          }
        }
      }
    } catch (error) {
      await claim.release()
      throw error
    }
    if (outcome.ok) {
      const approval = await approveAndIssue(ctx, app, row, now, {
        factor,
        material: outcome.material,
        identifier: outcome.identifier,
        failuresBefore: claim.failuresBefore,
      }).catch(async (error: unknown) => {
        await claim.release()
        throw error
      })
      if (approval === 'lost' || approval === 'factor_locked') {
        await claim.release()
        if (approval === 'lost') continue
        const current = factor && (await ctx.store.factors.findById(app.id, factor.id))
        throw ctx.guesses.lockedError(Number(current?.lockedUntil ?? now + 1000), now)
      }
      // A test recipient's approval is no conversion: the pumping guard's statistics never see it.
      const counted =
        row.test === 1
          ? undefined
          : findChannel(row.channel)?.guard?.afterApproval?.({
              appId: app.id,
              policy: channelPolicy(app.settings, row.channel),
              limits: app.settings.limits,
              identifier: row.identifier,
            })
      // Together: over Redis the claim's point going back and the guard's counters share one round trip.
      await Promise.all([
        claim.succeeded(),
        counted && counted.length > 0
          ? // A signal, not a gate: the approval is committed, so a counter outage must not fail the answer.
            ctx.limits
              .take(counted)
              .catch((error: unknown) => ctx.logger.warn({ err: error }, 'approval counter not updated'))
          : undefined,
      ])
      // Only a type whose check adds details (backup codes left) copies the approval: see docs/decisions.md, "No
      // object literal that adds a field after a spread".
      return outcome.details ? Object.assign({}, approval, { details: outcome.details }) : approval
    }
    if (outcome.flag !== undefined && factor && factor.status !== 'decoy') {
      const flagged = factor
      const reason = outcome.flag
      // The flag and its event commit together (the outbox).
      await ctx.store.transaction(async (tx) => {
        await tx.factors.flag(flagged.id, reason, now)
        await ctx.events.recordIn(
          tx,
          eventAbout(ctx, app, row, 'factor.flagged', {
            factor_id: flagged.id,
            user_id: flagged.userId,
            type: flagged.type,
            reason,
          }),
        )
      })
    }
    const lockedUntil = await claim.failed()
    const lastAttempt = claim.attempts >= row.maxAttempts
    if (lastAttempt) {
      // The status and its event commit together (the outbox).
      await ctx.store.transaction(async (tx) => {
        await tx.verifications.exhaustAttempts(row.id, row.codeHash, now)
        await ctx.events.recordIn(
          tx,
          eventAbout(ctx, app, row, 'verification.max_attempts_reached', { attempts: claim.attempts }),
        )
      })
      // The claim that took the last attempt is this one only: the lock is counted once.
      ctx.countFinished(row, 'locked')
      // When this failure also locked the factor, say so: a new verification would be refused until retry_after.
      if (lockedUntil === undefined) {
        throw new AppError('max_attempts_reached', { details: { attempts_remaining: 0 } })
      }
    } else {
      await ctx.events.record(
        eventAbout(ctx, app, row, 'verification.attempt_failed', {
          attempts: claim.attempts,
          ...(outcome.reason === 'replayed' ? { replayed: true } : {}),
          ...(outcome.refusal ? { refusal: outcome.refusal.reason } : {}),
        }),
      )
    }
    if (lockedUntil !== undefined) throw ctx.guesses.lockedError(lockedUntil, now)
    if (outcome.refusal) {
      throw new AppError('credential_rejected', {
        message: outcome.refusal.message,
        details: {
          reason: outcome.refusal.reason,
          attempts_remaining: Math.max(0, row.maxAttempts - claim.attempts),
        },
      })
    }
    throw new AppError('invalid_verification_code', {
      details: { attempts_remaining: Math.max(0, row.maxAttempts - claim.attempts) },
    })
  }
  // Three lost races in a row: answer with the state as it now is.
  const row = await ctx.load(app, input.verificationId)
  throw ctx.notPendingError(row, ctx.clock.nowMs())
}

/** The refusal of a credential no factor holds: what a decoy's answer gets, as a real one would. */
export const UNKNOWN_CREDENTIAL = { reason: 'unknown_credential', message: 'No credential here has this id.' } as const

/**
 * The answer as the verifier takes it: a type with `answerFields` (a passkey) gets those it declared and needs
 * one of them; every other type needs the code. Either way a missing answer is 400 and counts nothing.
 */
function answerOf(verifier: Verifier, input: CheckInput): Readonly<Record<string, unknown>> {
  const names = Object.keys(verifier.answerFields ?? {})
  if (names.length === 0) {
    if (input.code === undefined) throw new AppError('invalid_request', { message: 'verification_code is required.' })
    return {}
  }
  const fields = Object.fromEntries(
    names.flatMap((name) => (input.fields?.[name] === undefined ? [] : [[name, input.fields[name]]])),
  )
  if (Object.keys(fields).length === 0) {
    throw new AppError('invalid_request', {
      message: `A ${verifier.type} verification is answered with ${names.join(' or ')}, not a code.`,
    })
  }
  return fields
}

export function checkContext(ctx: VerificationContext, app: App): CheckContext {
  const checks: Omit<CheckContext, keyof PresentContext> = {
    hashCode: (verificationId, code) => hashCode(ctx.serverKeys, verificationId, code),
    hashFactorCode: (factorId, code) => hmacBase64Url(ctx.serverKeys.codeHash, `factor:${factorId}:${code}`),
    claimCounter: (factorId, counter) => ctx.store.factors.claimCounter(factorId, counter),
    consumeCode: (factorId, codeHash) => ctx.store.factors.consumeCode(factorId, codeHash, ctx.clock.nowMs()),
    countUnusedCodes: (factorId) => ctx.store.factors.countUnusedCodes(factorId),
  }
  // Assigned onto presentContext's new object, not spread into a literal that adds a field after it: see
  // docs/decisions.md, "No object literal that adds a field after a spread".
  return Object.assign(presentContext(ctx.serverKeys, app, ctx.clock.nowMs()), checks)
}
