import type { DeliveryChannel } from '../../delivery/delivery-provider.js'
import { AppError } from '../../errors/app-error.js'
import type { App } from '../app-service.js'
import { rateLimitedError } from '../limit-error.js'
import type { Bucket } from '../rate-limiter.js'
import { conversionBuckets, sendBuckets } from '../send-limits.js'
import { judgeSmsDestination, type SmsDestination } from '../sms-guard.js'
import type { VerificationContext } from './verification-context.js'

/** Whether a send may go out: the buckets it took (given back if it fails), or why not. */
export type Admission =
  | { readonly admitted: true; readonly buckets: Bucket[]; readonly sms?: SmsDestination | undefined }
  | { readonly admitted: false; readonly error: AppError; readonly reason: string }

/**
 * Whether one more code may go to this identifier: the SMS pumping guard
 * (destination, conversion), then every send limit — all-or-nothing, so a
 * refused send counts against nothing.
 */
export async function admitSend(
  ctx: VerificationContext,
  app: App,
  channel: DeliveryChannel,
  identifier: string,
  clientIp: string | null,
): Promise<Admission> {
  let sms: SmsDestination | undefined
  if (channel === 'sms') {
    const policy = app.settings.channels.sms
    const verdict = judgeSmsDestination(identifier, policy)
    if (!verdict.allowed) {
      return {
        admitted: false,
        reason: verdict.reason,
        error: new AppError('invalid_identifier', { message: 'Codes cannot be sent to this phone number.' }),
      }
    }
    sms = verdict.destination
    const guard = policy.conversion_guard
    if (guard.enabled) {
      const counters = conversionBuckets(app.id, app.settings, sms.country)
      const sends = await ctx.limits.count(counters.sends)
      const approvals = await ctx.limits.count(counters.approvals)
      if (sends >= guard.min_sends && approvals / sends < guard.min_conversion_rate) {
        return {
          admitted: false,
          reason: 'conversion_guard',
          error: rateLimitedError({
            ok: false,
            name: 'conversion_guard',
            max: guard.min_sends,
            retryAfterSeconds: guard.window_seconds,
          }),
        }
      }
    }
  }
  const buckets = sendBuckets(app.id, app.settings, { identifier, clientIp, sms })
  const decision = await ctx.limits.take(buckets)
  if (!decision.ok) return { admitted: false, reason: `limit:${decision.name}`, error: rateLimitedError(decision) }
  return { admitted: true, buckets, sms }
}

export async function recordRefusal(
  ctx: VerificationContext,
  app: App,
  channel: DeliveryChannel,
  identifier: string,
  clientIp: string | null,
  reason: string,
  suppressed: boolean,
) {
  await ctx.events.record({
    appId: app.id,
    kind: suppressed ? 'send.suppressed' : 'send.refused',
    identifierMasked: ctx.verifiers.find(channel)?.delivery?.maskIdentifier(identifier),
    clientIp: clientIp ?? undefined,
    details: { channel, reason },
  })
}
