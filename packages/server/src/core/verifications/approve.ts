import { encryptSecret } from '../../crypto/secrets.js'
import { AppError } from '../../errors/app-error.js'
import type { FactorRow, VerificationRow } from '../../storage/database.js'
import type { App } from '../app-service.js'
import { tokenTtlSeconds } from '../scenes.js'
import { effectiveStatus } from '../verification.js'
import type { VerificationContext } from './verification-context.js'
import { eventAbout } from './verification-events.js'
import type { CheckResult } from './verification-types.js'

/**
 * The one approval step, for a right answer and for a magic link: in one transaction the verification is
 * approved (conditionally: of racing approvals exactly one wins), the factor's bookkeeping is done — only
 * while it is unlocked, so a lock that landed while the answer was judged wins — and the token is stored.
 * A connection lost (or a process killed) in between leaves the verification pending and its code still
 * usable: never approved without the token that proves it.
 */
export async function approveAndIssue(
  ctx: VerificationContext,
  app: App,
  row: VerificationRow,
  now: number,
  how: {
    factor?: FactorRow | undefined
    material?: string | undefined
    /** The factor's failures when the guess claimed its place (guess-budget.ts). */
    failuresBefore?: number
    byLink?: boolean
  },
): Promise<CheckResult | 'lost' | 'factor_locked'> {
  const { factor } = how
  try {
    return await ctx.store.transaction(async (tx) => {
      const won = how.byLink
        ? await tx.verifications.approve(row.id, row.codeHash, now)
        : await tx.verifications.approveClaimed(row.id, row.codeHash, now)
      if (!won) return 'lost' as const
      if (factor && factor.status !== 'decoy') {
        const material = how.material === undefined ? undefined : encryptSecret(ctx.serverKeys, how.material)
        if (!(await tx.factors.recordSuccess(factor.id, now, how.failuresBefore ?? 0, material))) {
          throw new FactorLockedMeanwhile()
        }
        if (row.purpose === 'activate') await tx.factors.activate(factor.id, now)
      }
      // The approval and its event commit together (the outbox): the event exists if and only if this won.
      await ctx.events.recordIn(tx, {
        ...eventAbout(ctx, app, row),
        kind: 'verification.approved',
        details: {
          ...(row.factorId !== null ? { factor_id: row.factorId } : {}),
          ...(row.purpose === 'activate' ? { purpose: 'activate' } : {}),
          ...(how.byLink ? { by: 'link' } : {}),
        },
      })
      const result: CheckResult = {
        verificationId: row.id,
        scene: row.scene,
        purpose: row.purpose,
        factorId: row.factorId,
      }
      if (row.purpose === 'activate') return result
      const token = await ctx.tokens.issue(
        {
          appId: app.id,
          verificationId: row.id,
          scene: row.scene,
          channel: row.channel,
          identifier: row.identifier,
          userId: row.userId,
          factorId: row.factorId,
          ttlSeconds: tokenTtlSeconds(app.settings, row.scene),
        },
        { store: tx },
      )
      return { ...result, token: { token: token.token, expiresIn: token.expiresIn } }
    })
  } catch (error) {
    // Thrown to roll the approval back.
    if (error instanceof FactorLockedMeanwhile) return 'factor_locked'
    throw error
  }
}

export async function approveByLink(ctx: VerificationContext, app: App, verificationId: string): Promise<CheckResult> {
  const row = await ctx.load(app, verificationId)
  const now = ctx.clock.nowMs()
  if (effectiveStatus(row, now) !== 'pending') throw ctx.notPendingError(row, now)
  if (row.purpose !== 'verify' || row.factorId !== null) {
    throw new AppError('invalid_request', { message: 'Only an identifier verification is approved by a link.' })
  }
  const approval = await approveAndIssue(ctx, app, row, now, { byLink: true })
  if (approval === 'lost' || approval === 'factor_locked') {
    throw ctx.notPendingError(await ctx.load(app, verificationId), ctx.clock.nowMs())
  }
  return approval
}

/** Rolls an approval back: the factor locked while its answer was judged. */
class FactorLockedMeanwhile extends Error {}
