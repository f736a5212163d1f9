import type { VerificationRow } from '../../storage/database.js'
import type { App } from '../app-service.js'
import type { VerificationContext } from './verification-context.js'

/** What every event about a verification says: ids, masked identifier, user, scene, channel. */
export function eventAbout(ctx: VerificationContext, app: Pick<App, 'id'>, row: VerificationRow) {
  return {
    appId: app.id,
    verificationId: row.id,
    identifierMasked: ctx.maskOf(row),
    clientIp: row.clientIp ?? undefined,
    userId: row.userId,
    scene: row.scene,
    channel: row.channel,
  }
}

/** pending → expired or canceled, with its event in the same transaction; true when this call changed it. */
export async function finishWithEvent(
  ctx: VerificationContext,
  app: Pick<App, 'id'>,
  row: VerificationRow,
  status: 'expired' | 'canceled',
  now: number,
  details?: Record<string, unknown>,
): Promise<boolean> {
  return ctx.store.transaction(async (tx) => {
    if (!(await tx.verifications.finish(app.id, row.id, status, now))) return false
    // A decoy (uniform_responses) never existed for the app: its end is no news.
    if (row.purpose !== 'decoy') {
      await ctx.events.recordIn(tx, { ...eventAbout(ctx, app, row), kind: `verification.${status}`, details })
    }
    return true
  })
}
