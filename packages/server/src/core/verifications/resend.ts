import { hashCode } from '../../crypto/secrets.js'
import { AppError } from '../../errors/app-error.js'
import type { VerificationRow } from '../../storage/database.js'
import type { App } from '../app-service.js'
import { isTypeAllowed } from '../scenes.js'
import { effectiveStatus, toVerificationView, type VerificationView } from '../verification.js'
import { canSwitchTo, fallbackDueAt } from './fallback.js'
import { type Admission, admitSend, recordRefusal } from './send-admission.js'
import { validCustomCode } from './start.js'
import type { VerificationContext } from './verification-context.js'
import type { ResendInput } from './verification-types.js'

export async function resendVerification(
  ctx: VerificationContext,
  app: App,
  verificationId: string,
  input: ResendInput,
): Promise<VerificationView> {
  for (let round = 0; round < 3; round++) {
    const row = await ctx.load(app, verificationId)
    const now = ctx.clock.nowMs()
    if (effectiveStatus(row, now) !== 'pending') throw ctx.notPendingError(row, now)
    const current = ctx.verifiers.get(row.channel)
    if (!current.delivery) {
      throw new AppError('invalid_request', { message: `A ${row.channel} verification has no code to resend.` })
    }
    // The person may ask for another channel reaching the same identifier (a call instead of an SMS).
    const switchTo = input.channel !== undefined && input.channel !== row.channel ? input.channel : undefined
    if (switchTo !== undefined) {
      if (!canSwitchTo(ctx, app, row, switchTo)) {
        throw new AppError('channel_not_enabled', {
          message: `${switchTo} is not enabled for this app or cannot reach this verification's identifier.`,
        })
      }
      if (!isTypeAllowed(app.settings, row.scene, switchTo)) {
        throw new AppError('channel_not_enabled', { message: `The scene "${row.scene}" does not allow ${switchTo}.` })
      }
    }
    const verifier = switchTo === undefined ? current : ctx.verifiers.get(switchTo)
    if (!verifier.delivery) throw new AppError('channel_not_enabled')
    const customCode = validCustomCode(app, verifier.delivery.channel, input.customCode)
    if (row.sends >= row.maxSends) throw new AppError('max_sends_reached', { details: { sends_remaining: 0 } })
    const availableAt = Number(row.lastSentAt) + row.resendCooldownSeconds * 1000
    if (now < availableAt) {
      throw new AppError('resend_too_soon', { details: { retry_after: Math.ceil((availableAt - now) / 1000) } })
    }
    const code = customCode ?? verifier.challenge({ settings: app.settings, appName: app.name, nowMs: now }).code ?? ''
    // A test recipient keeps its fixed code (the same hash) and is sent nothing; cooldown and sends count as usual.
    const test = row.test === 1
    const codeHash = test ? row.codeHash : hashCode(ctx.serverKeys, row.id, code)
    const expiresAt = now + row.ttlSeconds * 1000
    const channel = verifier.delivery.channel
    const admission: Admission =
      row.purpose === 'decoy' || test
        ? { admitted: false, reason: test ? 'test' : 'decoy', error: new AppError('internal_error') }
        : await admitSend(ctx, app, channel, row.identifier, row.clientIp)
    if (!admission.admitted && row.purpose !== 'decoy' && !test) {
      await recordRefusal(
        ctx,
        app,
        channel,
        row.identifier,
        row.clientIp,
        admission.reason,
        app.settings.uniform_responses,
      )
      if (!app.settings.uniform_responses) throw admission.error
    }
    // Reserve first (atomic: pending, under max sends, past cooldown), then send.
    const dueAt = row.purpose === 'decoy' ? null : fallbackDueAt(ctx, app, channel, now)
    const won = await ctx.store.verifications.reserveResend(row.id, {
      previousCodeHash: row.codeHash,
      codeHash,
      now,
      expiresAt,
      channel: switchTo,
      fallbackDueAt: dueAt,
    })
    if (!won) {
      if (admission.admitted) await ctx.limits.refund(admission.buckets)
      continue // Someone else changed it in between: look again.
    }
    const reserved: VerificationRow = {
      ...row,
      channel,
      fallbackDueAt: dueAt,
      codeHash,
      sends: row.sends + 1,
      lastSentAt: now,
      expiresAt,
      updatedAt: now,
    }
    if (test) return toVerificationView(reserved, verifier, now)
    if (!admission.admitted) {
      // Suppressed under uniform_responses, or a decoy: answer as if sent.
      await ctx.delayLikeDelivery(channel)
      return toVerificationView(reserved, verifier, now)
    }
    try {
      await ctx.timedDeliver(app, reserved, channel, code, input.link, input.message)
    } catch (error) {
      await ctx.limits.refund(admission.buckets)
      // The send does not count, and the previous code keeps working.
      await ctx.store.verifications.releaseResend(row.id, {
        reservedCodeHash: codeHash,
        codeHash: row.codeHash,
        lastSentAt: Number(row.lastSentAt),
        expiresAt: Number(row.expiresAt),
        now,
        channel: row.channel,
        fallbackDueAt: row.fallbackDueAt === null ? null : Number(row.fallbackDueAt),
      })
      throw error
    }
    return toVerificationView(reserved, verifier, now)
  }
  throw new AppError('rate_limited', { message: 'The verification is busy; retry.', details: { retry_after: 1 } })
}
