import { channelNamed, findChannel } from '../../channels/built-in-channels.js'
import { channelPolicy } from '../../channels/channel-policy.js'
import { hashCode } from '../../crypto/secrets.js'
import type { DeliveryStatus } from '../../delivery/delivery-provider.js'
import type { ChannelName } from '../../settings/app-settings.js'
import type { DeliveryRow, VerificationRow } from '../../storage/database.js'
import type { App } from '../app-service.js'
import { isTypeAllowed } from '../scenes.js'
import { admitSend } from './send-admission.js'
import type { VerificationContext } from './verification-context.js'

/** A channel's fallback as its settings slice holds it (`channels.<name>.fallback`). */
interface FallbackPolicy {
  readonly channel: string
  readonly after_seconds: number
}

function fallbackOf(app: App, channel: string): FallbackPolicy | undefined {
  if (!findChannel(channel)) return undefined
  return channelPolicy(app.settings, channel).fallback as FallbackPolicy | undefined
}

/** Whether a channel is on for the app: registered, enabled, and with a provider chain that can carry it. */
function isUsable(ctx: VerificationContext, app: App, channel: string): boolean {
  if (!findChannel(channel) || channelPolicy(app.settings, channel).enabled !== true) return false
  try {
    ctx.messages.assertAvailable(app, channel as ChannelName)
    return true
  } catch {
    return false
  }
}

/**
 * When a send on `channel` should hand over to its fallback if no delivered receipt came: now plus the
 * fallback's `after_seconds`, or null when the channel names no usable fallback.
 */
export function fallbackDueAt(ctx: VerificationContext, app: App, channel: string, now: number): number | null {
  const fallback = fallbackOf(app, channel)
  if (!fallback || !isUsable(ctx, app, fallback.channel)) return null
  return now + fallback.after_seconds * 1000
}

/** Why a fallback ran, for its event. */
type FallbackReason = 'undelivered' | 'failed' | 'timeout'

/**
 * Sends a new code for the same verification by the channel's fallback. The caller has claimed the fallback
 * (`claimFallback`), so of every instance only it gets here; `reserveFallback` then switches channel and code
 * in one conditional update (pending, still on the channel and code it judged, under max sends), so a person's
 * resend in between wins and nothing is sent twice. The old code dies; the send counts toward `max_sends`
 * but not against the resend cooldown. Never throws: a fallback that cannot go out is an event.
 */
async function fallBack(
  ctx: VerificationContext,
  app: App,
  row: VerificationRow,
  reason: FallbackReason,
): Promise<boolean> {
  const from = row.channel
  const target = fallbackOf(app, from)?.channel
  const skip = async (why: string) => {
    await ctx.events.record({
      appId: app.id,
      kind: 'verification.fallback_skipped',
      verificationId: row.id,
      identifierMasked: ctx.maskOf(row),
      details: { from, to: target ?? null, reason: why },
    })
    return false
  }
  if (!target || !isUsable(ctx, app, target)) return skip('channel_not_enabled')
  const verifier = ctx.verifiers.find(target)
  if (!verifier?.delivery || !isTypeAllowed(app.settings, row.scene, target)) return skip('not_allowed_in_scene')
  if (row.purpose === 'decoy') return false
  if (row.sends >= row.maxSends) return skip('max_sends_reached')
  const now = ctx.clock.nowMs()
  const code = verifier.challenge({ settings: app.settings, appName: app.name, nowMs: now }).code ?? ''
  const admission = await admitSend(ctx, app, target, row.identifier, row.clientIp)
  if (!admission.admitted) return skip(admission.reason)
  const codeHash = hashCode(ctx.serverKeys, row.id, code)
  const expiresAt = now + row.ttlSeconds * 1000
  const nextDueAt = fallbackDueAt(ctx, app, target, now)
  const won = await ctx.store.verifications.reserveFallback(row.id, {
    fromChannel: from,
    previousCodeHash: row.codeHash,
    channel: target,
    codeHash,
    now,
    expiresAt,
    fallbackDueAt: nextDueAt,
  })
  if (!won) {
    await ctx.limits.refund(admission.buckets)
    return false
  }
  await ctx.events.record({
    appId: app.id,
    kind: 'verification.fallback',
    verificationId: row.id,
    identifierMasked: ctx.maskOf(row),
    details: { from, to: target, reason },
  })
  const reserved: VerificationRow = {
    ...row,
    channel: target,
    codeHash,
    sends: row.sends + 1,
    lastSentAt: now,
    expiresAt,
    updatedAt: now,
    fallbackDueAt: nextDueAt,
  }
  try {
    await ctx.timedDeliver(app, reserved, target as ChannelName, code)
    if (admission.afterSend.length > 0) await ctx.limits.take(admission.afterSend)
    return true
  } catch (error) {
    // The fallback could not be sent (recorded as delivery.failed): its budget is given back, and the previous
    // code and channel stand again, as after any send that did not happen.
    await ctx.limits.refund(admission.buckets)
    await ctx.store.verifications.releaseResend(row.id, {
      reservedCodeHash: codeHash,
      codeHash: row.codeHash,
      lastSentAt: Number(row.lastSentAt),
      expiresAt: Number(row.expiresAt),
      now,
      channel: from,
      fallbackDueAt: null,
    })
    ctx.logger.warn({ verificationId: row.id, err: error }, 'fallback delivery failed')
    return false
  }
}

/**
 * The first send of a verification failed outright (no provider of its channel took the message, or the
 * provider said the recipient cannot get it: not on WhatsApp, say): when the channel names a usable fallback,
 * it is sent now instead of failing the start. Claimed like the timer's, so no sweep sends it again.
 * Answers whether the fallback went out.
 */
export async function fallBackAfterFailedSend(
  ctx: VerificationContext,
  app: App,
  row: VerificationRow,
): Promise<boolean> {
  if (row.fallbackDueAt === null) return false
  if (!(await ctx.store.verifications.claimFallback(row.id, Number(row.fallbackDueAt), ctx.clock.nowMs()))) {
    return false
  }
  return fallBack(ctx, app, row, 'failed')
}

/** Whether a delivered (or read) receipt came for the verification's current send. */
async function wasDelivered(ctx: VerificationContext, row: VerificationRow): Promise<boolean> {
  const deliveries = await ctx.store.deliveries.listByVerification(row.appId, row.id)
  return deliveries.some(
    (delivery) =>
      delivery.channel === row.channel &&
      Number(delivery.createdAt) >= Number(row.lastSentAt) &&
      delivery.status === 'delivered',
  )
}

/**
 * A genuine receipt changed a delivery: a failed or undelivered message of a verification's current send starts
 * its channel's fallback at once (claimed like the timer's, so the sweep does not send it again).
 */
export async function fallBackOnReceipt(
  ctx: VerificationContext,
  getApp: (appId: string) => Promise<App>,
  delivery: DeliveryRow,
  status: DeliveryStatus,
): Promise<void> {
  if (status !== 'failed' && status !== 'undelivered') return
  const app = await getApp(delivery.appId)
  const row = await ctx.store.verifications.findById(app.id, delivery.verificationId)
  if (!row || row.fallbackDueAt === null || row.status !== 'pending') return
  // A receipt about an older send (before a resend or a fallback) changes nothing.
  if (delivery.channel !== row.channel || Number(delivery.createdAt) < Number(row.lastSentAt)) return
  const now = ctx.clock.nowMs()
  if (!(await ctx.store.verifications.claimFallback(row.id, Number(row.fallbackDueAt), now))) return
  await fallBack(ctx, app, row, status)
}

/** How many due fallbacks one sweep takes on; the next sweep takes the rest. */
const SWEEP_LIMIT = 100

/**
 * The timer's part, run by every instance (each claims before it sends): verifications whose fallback is due
 * and whose current send got no delivered receipt fall back; those that were delivered just drop the timer.
 * Answers how many fell back.
 */
export async function runDueFallbacks(
  ctx: VerificationContext,
  getApp: (appId: string) => Promise<App>,
): Promise<number> {
  const now = ctx.clock.nowMs()
  const due = await ctx.store.verifications.listDueFallbacks(now, SWEEP_LIMIT)
  let fellBack = 0
  for (const row of due) {
    if (!(await ctx.store.verifications.claimFallback(row.id, Number(row.fallbackDueAt), now))) continue
    if (Number(row.expiresAt) <= now || (await wasDelivered(ctx, row))) continue
    let app: App
    try {
      app = await getApp(row.appId)
    } catch {
      continue
    }
    await fallBack(ctx, app, row, 'timeout')
    fellBack++
  }
  return fellBack
}

/** Whether `channel` may replace the verification's channel on a resend: registered, usable, same identifier. */
export function canSwitchTo(ctx: VerificationContext, app: App, row: VerificationRow, channel: string): boolean {
  const current = findChannel(row.channel)
  const wanted = findChannel(channel)
  if (!current || !wanted || !isUsable(ctx, app, channel)) return false
  return current.identifier.kind === channelNamed(channel).identifier.kind
}
