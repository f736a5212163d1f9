import { channelNamed } from '../../channels/built-in-channels.js'
import { channelPolicy } from '../../channels/channel-policy.js'
import { AppError } from '../../errors/app-error.js'
import type { App } from '../app-service.js'
import { rateLimitedError } from '../limit-error.js'
import type { Bucket } from '../rate-limiter.js'
import { sendBuckets } from '../send-limits.js'
import type { VerificationContext } from './verification-context.js'

/** Whether a send may go out: the buckets it took (given back if it fails) and what to count once sent, or why not. */
export type Admission =
  | { readonly admitted: true; readonly buckets: Bucket[]; readonly afterSend: readonly Bucket[] }
  | { readonly admitted: false; readonly error: AppError; readonly reason: string }

/**
 * Whether one more code may go to this identifier: the channel's own guard first (the SMS pumping guard:
 * destination, conversion), then every send limit and the guard's — all-or-nothing, so a refused send counts
 * against nothing.
 */
export async function admitSend(
  ctx: VerificationContext,
  app: App,
  channelName: string,
  identifier: string,
  clientIp: string | null,
): Promise<Admission> {
  const channel = channelNamed(channelName)
  let extra: readonly Bucket[] = []
  let afterSend: readonly Bucket[] = []
  if (channel.guard) {
    const verdict = await channel.guard.admit({
      appId: app.id,
      policy: channelPolicy(app.settings, channel.name),
      limits: app.settings.limits,
      identifier,
      count: (bucket) => ctx.limits.count(bucket),
    })
    if (!verdict.allowed) {
      const refusal = verdict.refusal
      return {
        admitted: false,
        reason: verdict.reason,
        error:
          refusal.kind === 'identifier'
            ? new AppError('invalid_identifier', { message: refusal.message })
            : rateLimitedError({ ok: false, ...refusal }),
      }
    }
    extra = verdict.buckets
    afterSend = verdict.afterSend
  }
  const buckets = [...sendBuckets(app.id, app.settings, { identifier, clientIp }), ...extra]
  const decision = await ctx.limits.take(buckets)
  if (!decision.ok) return { admitted: false, reason: `limit:${decision.name}`, error: rateLimitedError(decision) }
  return { admitted: true, buckets, afterSend }
}

export async function recordRefusal(
  ctx: VerificationContext,
  app: App,
  channel: string,
  identifier: string,
  clientIp: string | null,
  reason: string,
  suppressed: boolean,
) {
  // Nothing was written (the limits live in counters): the event stands on its own.
  await ctx.events.record({
    appId: app.id,
    kind: suppressed ? 'send.suppressed' : 'send.refused',
    identifierMasked: ctx.verifiers.find(channel)?.delivery?.maskIdentifier(identifier),
    clientIp: clientIp ?? undefined,
    channel,
    details: { reason: refusalCategory(reason), rule: reason },
  })
}

/**
 * The reason of a refused send as docs/events.md names it: `limit` (a send limit; `rule` names it),
 * `country` (a blocked destination country), `premium_number` (a blocked number type or prefix, where
 * premium-rate ranges are), `conversion_guard` (the SMS pumping guard); `rule` keeps the precise rule.
 */
export function refusalCategory(reason: string): string {
  if (reason.startsWith('limit:')) return 'limit'
  if (reason === 'blocked_country') return 'country'
  if (reason === 'blocked_number_type' || reason === 'blocked_prefix') return 'premium_number'
  return reason
}
