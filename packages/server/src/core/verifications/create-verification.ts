import { generateId, hashCode } from '../../crypto/secrets.js'
import type { VerificationPurpose, VerificationRow } from '../../storage/database.js'
import type { Verifier } from '../../verifiers/verifier.js'
import type { App } from '../app-service.js'
import { newVerificationRow, toVerificationView, type VerificationView } from '../verification.js'
import { fallbackDueAt } from './fallback.js'
import { type Admission, admitSend, recordRefusal } from './send-admission.js'
import type { VerificationContext } from './verification-context.js'

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
  },
): Promise<VerificationView> {
  const plan = verifier.challenge({ settings: app.settings, appName: app.name, nowMs: ctx.clock.nowMs() })
  const channel = verifier.delivery?.channel
  if (channel) ctx.messages.assertAvailable(app, channel)
  const code = fields.customCode ?? plan.code
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
    fallbackDueAt: dueAt,
    now,
  })
  let admission: Admission | undefined
  if (channel && code !== undefined) {
    admission = await admitSend(ctx, app, channel, fields.identifier, fields.clientIp ?? null)
    if (!admission.admitted) {
      const suppress = app.settings.uniform_responses
      await recordRefusal(ctx, app, channel, fields.identifier, fields.clientIp ?? null, admission.reason, suppress)
      if (!suppress) throw admission.error
      // The caller sees a normal verification; nothing was sent and nothing can approve it.
      const decoy: VerificationRow = { ...row, purpose: 'decoy', fallbackDueAt: null }
      await ctx.store.verifications.insert(decoy)
      await ctx.delayLikeDelivery(channel)
      return toVerificationView(decoy, verifier, now)
    }
  }
  // Stored before sending, so a code that arrives fast is already checkable.
  try {
    await ctx.store.verifications.insert(row)
  } catch (error) {
    // Nothing was sent: the send budget taken above is given back.
    if (admission?.admitted) await ctx.limits.refund(admission.buckets).catch(() => undefined)
    throw error
  }
  if (channel && code !== undefined && admission?.admitted) {
    try {
      await ctx.timedDeliver(app, row, channel, code, fields.link)
    } catch (error) {
      // The send did not happen: the verification never existed for the caller, and counts against no limit.
      // (Its delivery attempts stay recorded, with a delivery.failed event.)
      await ctx.store.verifications.delete(app.id, id)
      await ctx.limits.refund(admission.buckets)
      throw error
    }
    if (admission.afterSend.length > 0) await ctx.limits.take(admission.afterSend)
  }
  return toVerificationView(row, verifier, now)
}
