import { generateId, hashCode } from '../../crypto/secrets.js'
import type { MessageOptions } from '../../delivery/message-options.js'
import { AppError } from '../../errors/app-error.js'
import { testRecipientCode } from '../../settings/test-recipients.js'
import type { VerificationPurpose, VerificationRow } from '../../storage/database.js'
import type { StagedWrite } from '../../storage/store.js'
import type { Verifier } from '../../verifiers/verifier.js'
import type { App } from '../app-service.js'
import { newVerificationRow, toVerificationView, type VerificationView } from '../verification.js'
import { fallBackAfterFailedSend, fallbackDueAt } from './fallback.js'
import { presentChallenge } from './presented-challenge.js'
import { type Admission, admitSend, recordRefusal } from './send-admission.js'
import type { VerificationContext } from './verification-context.js'
import { eventAbout } from './verification-events.js'

/** Inserts the verification and, for delivered types, sends its code; a failed send leaves nothing behind. */
export async function createVerification(
  ctx: VerificationContext,
  app: App,
  verifier: Verifier,
  fields: {
    identifier: string
    scene: string
    userId: string | null
    factorId: string | null
    purpose: VerificationPurpose
    locale?: string | undefined
    clientIp?: string | undefined
    metadata?: Record<string, unknown> | undefined
    customCode?: string | undefined
    link?: string | undefined
    message?: MessageOptions | undefined
  },
): Promise<VerificationView> {
  const plan = verifier.challenge({ settings: app.settings, appName: app.name, nowMs: ctx.clock.nowMs() })
  const channel = verifier.delivery?.channel
  // A test recipient takes its fixed code and is sent nothing: it needs no provider, passes no send limit and
  // stays out of the pumping guard's statistics (it is no traffic to any country).
  const testCode = channel && testRecipientCode(app.settings, channel, fields.identifier, ctx.production)
  if (channel && testCode === undefined) ctx.messages.assertAvailable(app, channel)
  const code = testCode ?? fields.customCode ?? plan.code
  const now = ctx.clock.nowMs()
  const id = generateId('ver', 16, ctx.clock.nowMs())
  // A channel with a fallback: when it takes over unless a delivered receipt comes first.
  const dueAt = channel && code !== undefined ? fallbackDueAt(ctx, app, channel, now) : null
  const row = newVerificationRow({
    id,
    appId: app.id,
    type: verifier.type,
    plan,
    codeHash: code === undefined ? '' : hashCode(ctx.serverKeys, id, code),
    sendsCode: code !== undefined,
    identifier: fields.identifier,
    scene: fields.scene,
    userId: fields.userId,
    factorId: fields.factorId,
    purpose: fields.purpose,
    locale: fields.locale,
    clientIp: fields.clientIp,
    metadata: fields.metadata,
    test: testCode !== undefined,
    fallbackDueAt: dueAt,
    now,
  })
  if (testCode !== undefined) {
    // Nothing is sent: its verification.started says so (`test: true`, `sent: false`), in the row's transaction.
    await ctx.events.recordWithRows(
      ctx.store,
      [{ table: 'verifications', row }],
      [
        eventAbout(ctx, app, row, 'verification.started', {
          sent: false,
          expires_at: new Date(row.expiresAt).toISOString(),
        }),
      ],
    )
    ctx.metrics.verificationsStarted.inc({ channel: row.channel })
    return toVerificationView(row, verifier, now)
  }
  let admission: Admission | undefined
  if (channel && code !== undefined) {
    admission = await admitSend(ctx, app, channel, fields.identifier, fields.clientIp ?? null)
    if (!admission.admitted) {
      const suppress = app.settings.uniform_responses
      await recordRefusal(ctx, app, channel, fields.identifier, fields.clientIp ?? null, admission.reason, suppress)
      if (!suppress) throw admission.error
      // The caller sees a normal verification; nothing was sent and nothing can approve it.
      const decoy: VerificationRow = { ...row, purpose: 'decoy', fallbackDueAt: null }
      // Staged and committed around the wait as a real start's row is around its send: timed alike.
      const staged = await ctx.store.stageAll([{ table: 'verifications', row: decoy }])
      await ctx.delayLikeDelivery(channel)
      await staged.committed
      return toVerificationView(decoy, verifier, now)
    }
  }
  // A ceremony's options (a passkey's) carry the code as their challenge: made before the row exists, so a
  // failure leaves nothing behind.
  const reveal = await presentChallenge(
    ctx,
    app,
    verifier,
    {
      code,
      purpose: fields.purpose === 'activate' ? 'activate' : 'verify',
      userId: fields.userId,
      factorId: fields.factorId,
      ttlSeconds: plan.ttlSeconds,
    },
    now,
  )
  // Stored before sending, so a code that arrives fast is already checkable: every later read of this instance
  // sees the row before the send, and it is durable before the answer (Store.stageAll). On SQLite the delivery
  // attempt recorded after a fast send joins the same commit: one commit a start, not two.
  let stored: StagedWrite
  try {
    // The row and its verification.started commit together (the outbox, docs/events.md).
    stored = await ctx.events.stageWithRows(
      ctx.store,
      [{ table: 'verifications', row }],
      [
        eventAbout(ctx, app, row, 'verification.started', {
          expires_at: new Date(row.expiresAt).toISOString(),
          ...(row.factorId !== null ? { factor_id: row.factorId } : {}),
          ...(row.purpose === 'activate' ? { purpose: 'activate' } : {}),
        }),
      ],
    )
  } catch (error) {
    // Nothing was sent: the send budget taken above is given back.
    if (admission?.admitted) await ctx.limits.refund(admission.buckets).catch(() => undefined)
    throw error
  }
  if (channel && code !== undefined && admission?.admitted) {
    try {
      await ctx.timedDeliver(app, row, channel, code, fields.link, fields.message)
    } catch (error) {
      // The send did not happen and counts against no limit. (Its delivery attempts stay recorded, with a
      // delivery.failed event.)
      await ctx.limits.refund(admission.buckets)
      // A channel with a fallback hands over now (docs/delivery.md): the caller gets the verification, on the
      // channel that took the code.
      if (isFailedSend(error) && (await fallBackAfterFailedSend(ctx, app, row))) {
        await stored.committed
        const current = (await ctx.store.verifications.findById(app.id, id)) ?? row
        ctx.metrics.verificationsStarted.inc({ channel: row.channel })
        return toVerificationView(current, ctx.verifiers.get(current.channel), ctx.clock.nowMs())
      }
      // Else the verification never existed for the caller.
      await ctx.store.verifications.delete(app.id, id)
      throw error
    }
    if (admission.afterSend.length > 0) await ctx.limits.take(admission.afterSend)
  }
  // Nothing is answered before its commit. Should it fail after a send, the code went out for a verification
  // that does not exist: the caller gets the storage error, and the code checks nothing.
  await stored.committed
  ctx.metrics.verificationsStarted.inc({ channel: row.channel })
  return toVerificationView(row, verifier, now, reveal && { reveal })
}

/** A send that no provider made: every provider failed, or the provider said the recipient cannot get it. */
function isFailedSend(error: unknown): boolean {
  if (!(error instanceof AppError)) return false
  return error.code === 'delivery_failed' || (error.code === 'invalid_identifier' && error.reason === 'unreachable')
}
