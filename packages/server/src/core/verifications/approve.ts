import { encryptSecret } from '../../crypto/secrets.js'
import { AppError } from '../../errors/app-error.js'
import type { FactorRow, VerificationRow } from '../../storage/database.js'
import type { RowForTable, Store } from '../../storage/store.js'
import type { App } from '../app-service.js'
import type { EventInput } from '../event-log.js'
import { tokenTtlSeconds } from '../scenes.js'
import { effectiveStatus } from '../verification.js'
import type { VerificationContext } from './verification-context.js'
import { eventAbout } from './verification-events.js'
import type { CheckResult } from './verification-types.js'

/**
 * The one approval step, for a right answer and for a magic link: the verification is approved
 * (conditionally: of racing approvals exactly one wins) together with its event and its token, and — in
 * the same transaction — the factor's bookkeeping is done, only while it is unlocked, so a lock that landed
 * while the answer was judged wins.
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
    /** Activation: the identifier the factor takes (a passkey's credential id). */
    identifier?: string | undefined
    /** The factor's failures when the guess claimed its place (guess-budget.ts). */
    failuresBefore?: number
    byLink?: boolean
  },
): Promise<CheckResult | 'lost' | 'factor_locked'> {
  const { factor } = how
  const details: Record<string, unknown> = {}
  if (row.factorId !== null) details.factor_id = row.factorId
  if (row.purpose === 'activate') details.purpose = 'activate'
  if (how.byLink) details.by = 'link'
  const approved: EventInput = eventAbout(ctx, app, row, 'verification.approved', details)
  const signed =
    row.purpose === 'activate'
      ? undefined
      : ctx.tokens.sign({
          appId: app.id,
          verificationId: row.id,
          scene: row.scene,
          channel: row.channel,
          identifier: row.identifier,
          userId: row.userId,
          factorId: row.factorId,
          ttlSeconds: tokenTtlSeconds(app.settings, row.scene),
        })
  const tokenRows: RowForTable[] = signed ? [{ table: 'tokens', row: signed.row }] : []
  const approve = (store: Store, rows: readonly RowForTable[]) =>
    how.byLink
      ? store.verifications.approve(row.id, row.codeHash, now, [...rows, ...tokenRows])
      : store.verifications.approveClaimed(row.id, row.codeHash, now, [...rows, ...tokenRows])
  try {
    let won: boolean
    if (factor && factor.status !== 'decoy') {
      const proven = factor
      won = await ctx.store.transaction(async (tx) => {
        // The approval, its event and its token (the outbox): they exist if and only if this won.
        if (!(await ctx.events.recordIf([approved], (rows) => approve(tx, rows)))) return false
        const material = how.material === undefined ? undefined : encryptSecret(ctx.serverKeys, how.material)
        if (!(await tx.factors.recordSuccess(proven.id, now, how.failuresBefore ?? 0, material))) {
          throw new FactorLockedMeanwhile()
        }
        if (row.purpose === 'activate') await tx.factors.activate(proven.id, now, how.identifier)
        return true
      })
    } else {
      // No factor to keep: the approval, its event and its token are one conditional write (one statement on
      // PostgreSQL), and they exist if and only if this won.
      won = await ctx.events.recordIf([approved], (rows) => approve(ctx.store, rows))
    }
    if (!won) return 'lost'
    // Committed: of racing approvals only the winner gets here.
    ctx.countFinished(row, 'approved')
    return {
      verificationId: row.id,
      scene: row.scene,
      purpose: row.purpose,
      factorId: row.factorId,
      userId: row.userId,
      ...(signed ? { token: { token: signed.token, expiresIn: signed.expiresIn } } : {}),
    }
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
