import type { AppSettings } from '../settings/app-settings.js'
import { ipRangeOf } from './ip-range.js'
import type { Bucket } from './rate-limiter.js'

type LimitName = keyof AppSettings['limits']

export function bucket(settings: AppSettings, name: LimitName, key: string): Bucket {
  const limit = settings.limits[name]
  return { name, key, max: limit.max, windowSeconds: limit.window_seconds }
}

/** Every limit one send counts against. Keys carry the app id: apps never share a budget. */
export function sendBuckets(
  appId: string,
  settings: AppSettings,
  send: { identifier: string; clientIp: string | null },
): Bucket[] {
  const subject = limitSubject(send.identifier)
  const buckets = [
    bucket(settings, 'sends_per_app', appId),
    bucket(settings, 'sends_per_identifier', `${appId}:${subject}`),
    bucket(settings, 'sends_per_identifier_daily', `${appId}:${subject}`),
  ]
  if (send.clientIp) {
    buckets.push(bucket(settings, 'sends_per_ip', `${appId}:${send.clientIp}`))
    const range = ipRangeOf(send.clientIp)
    if (range) buckets.push(bucket(settings, 'sends_per_ip_range', `${appId}:${range}`))
  }
  return buckets
}

/** Guessing budget across verifications: per identifier, or per factor for types without one. */
export function failedCheckBucket(appId: string, settings: AppSettings, subject: string): Bucket {
  return bucket(settings, 'failed_checks_per_identifier', `${appId}:${limitSubject(subject)}`)
}

/**
 * The key an identifier is limited under. Email keeps the local part's case
 * as given, but mailboxes ignore it: `Ada@` and `ADA@` reach one inbox, so
 * they must share one budget (else case variants bypass every per-identifier limit).
 */
function limitSubject(identifier: string): string {
  return identifier.toLowerCase()
}
