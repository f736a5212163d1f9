import type { VerificationRow } from '../../storage/database.js'
import type { App } from '../app-service.js'
import type { EventInput } from '../event-log.js'
import type { VerificationContext } from './verification-context.js'

/**
 * An event about a verification: what every such event says (ids, masked identifier, user, scene, channel), its
 * kind and its details. Whole, not spread into a literal with more fields: see docs/decisions.md, "No object
 * literal that adds a field after a spread".
 */
export function eventAbout(
  ctx: VerificationContext,
  app: Pick<App, 'id'>,
  row: VerificationRow,
  kind: EventInput['kind'],
  details?: EventInput['details'],
): EventInput {
  return {
    appId: app.id,
    kind,
    verificationId: row.id,
    identifierMasked: ctx.maskOf(row),
    clientIp: row.clientIp ?? undefined,
    userId: row.userId,
    scene: row.scene,
    channel: row.channel,
    test: row.test === 1,
    details,
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
  return ctx.store
    .transaction(async (tx) => {
      if (!(await tx.verifications.finish(app.id, row.id, status, now))) return false
      // A decoy (uniform_responses) never existed for the app: its end is no news.
      if (row.purpose !== 'decoy') {
        await ctx.events.recordIn(tx, eventAbout(ctx, app, row, `verification.${status}`, details))
      }
      return true
    })
    .then((changed) => {
      if (changed) ctx.countFinished(row, status)
      return changed
    })
}
