import type { ChannelBucket, ChannelGuard, GuardInput } from '../channel.js'
import { judgeSmsDestination, smsDestinationOf } from './sms-destination.js'
import type { SmsSettings } from './sms-settings.js'

/**
 * The SMS pumping guard (docs/security.md): where an SMS may go at all, the conversion guard that throttles a
 * country whose sends stop turning into approvals, and the velocity limits per destination country and number
 * range. Refusals answer like any other; the event log keeps the reason.
 */
export const smsGuard: ChannelGuard = createPhoneGuard('sms')

/**
 * The same guard for any channel that reaches a phone number (WhatsApp, calls), with its own policy (its settings
 * slice) and its own counters: limits `<channel>_sends_per_country` and `…_per_prefix`, conversion per country.
 */
export function createPhoneGuard(channel: string): ChannelGuard {
  return {
    async admit(input) {
      const policy = input.policy as SmsSettings
      const verdict = judgeSmsDestination(input.identifier, policy)
      if (!verdict.allowed) {
        return {
          allowed: false,
          reason: verdict.reason,
          refusal: { kind: 'identifier', message: 'Codes cannot be sent to this phone number.' },
        }
      }
      const { country, prefix } = verdict.destination
      const conversion = conversionBuckets(channel, input, country)
      const guard = policy.conversion_guard
      if (guard.enabled) {
        const sends = await input.count(conversion.sends)
        const approvals = await input.count(conversion.approvals)
        if (sends >= guard.min_sends && approvals / sends < guard.min_conversion_rate) {
          return {
            allowed: false,
            reason: 'conversion_guard',
            refusal: {
              kind: 'limit',
              name: 'conversion_guard',
              max: guard.min_sends,
              retryAfterSeconds: guard.window_seconds,
            },
          }
        }
      }
      return {
        allowed: true,
        buckets: [
          limitBucket(input, `${channel}_sends_per_country`, `${input.appId}:${country}`),
          limitBucket(input, `${channel}_sends_per_prefix`, `${input.appId}:${prefix}`),
        ],
        afterSend: guard.enabled ? [conversion.sends] : [],
      }
    },

    afterApproval(input) {
      const policy = input.policy as SmsSettings
      if (!policy.conversion_guard.enabled) return []
      return [conversionBuckets(channel, input, smsDestinationOf(input.identifier).country).approvals]
    },
  }
}

function limitBucket(input: Pick<GuardInput, 'limits'>, name: string, key: string): ChannelBucket {
  const limit = input.limits[name]
  if (!limit) throw new Error(`settings.limits.${name} is missing`)
  return { name, key, max: limit.max, windowSeconds: limit.window_seconds }
}

/** Conversion signal per destination country of the channel: sends and approvals counted over the guard's window. */
function conversionBuckets(
  channel: string,
  input: Pick<GuardInput, 'appId' | 'policy'>,
  country: string,
): { sends: ChannelBucket; approvals: ChannelBucket } {
  const windowSeconds = (input.policy as SmsSettings).conversion_guard.window_seconds
  // The max is irrelevant (these buckets are only counted); it must just never refuse.
  return {
    sends: { name: `${channel}_conversion_sends`, key: `${input.appId}:${country}`, max: 1_000_000_000, windowSeconds },
    approvals: {
      name: `${channel}_conversion_approvals`,
      key: `${input.appId}:${country}`,
      max: 1_000_000_000,
      windowSeconds,
    },
  }
}
