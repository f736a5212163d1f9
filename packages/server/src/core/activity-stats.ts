import { findChannel } from '../channels/built-in-channels.js'
import type { EventRow, VerificationRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import type { Clock } from './clock.js'
import type { EventLog } from './event-log.js'
import { effectiveStatus } from './verification.js'

/** One time bucket of the dashboard's series. */
export interface ActivityBucket {
  readonly startMs: number
  /** Codes sent (first sends and resends) per channel. */
  readonly sends: Readonly<Record<string, number>>
  readonly verifications: number
  readonly approved: number
  /** Per channel: verifications started and approved. */
  readonly verificationsByChannel: Readonly<Record<string, number>>
  readonly approvedByChannel: Readonly<Record<string, number>>
  readonly deliveryFailures: number
}

export interface CountryActivity {
  /** ISO country code, `+NNN` for an unknown country, or `email`. */
  readonly country: string
  readonly channel: string
  readonly verifications: number
  readonly sends: number
  readonly approved: number
}

export interface ActivitySummary {
  readonly fromMs: number
  readonly toMs: number
  readonly bucketMs: number
  readonly buckets: readonly ActivityBucket[]
  readonly countries: readonly CountryActivity[]
  readonly totals: {
    readonly sends: number
    readonly verifications: number
    readonly approved: number
    readonly deliveryFailures: number
    readonly pending: number
  }
  /** True when the window held more verifications than were read (the figures cover the newest). */
  readonly truncated: boolean
}

/** Verifications read per summary at most: a dashboard must stay fast on a busy app. */
const MAX_ROWS = 20_000

/**
 * The dashboard's figures for one app over a window: sends, approval and
 * delivery failures per time bucket and channel, and per destination
 * country. Read from the verification and event tables (delivered codes
 * only: TOTP and password checks send nothing).
 */
export async function summarizeActivity(
  deps: { store: Store; events: EventLog; clock: Clock },
  appId: string,
  window: { fromMs: number; toMs: number; bucketMs: number },
): Promise<ActivitySummary> {
  const now = deps.clock.nowMs()
  const rows = await deps.store.verifications.search(appId, {
    from: window.fromMs,
    to: window.toMs,
    now,
    limit: MAX_ROWS,
  })
  const failures = (await deps.events.listRecent(appId, { limit: MAX_ROWS, kind: 'delivery.failed' })).filter(
    (event) => Number(event.createdAt) >= window.fromMs && Number(event.createdAt) < window.toMs,
  )
  return aggregate(rows, failures, window, now, rows.length >= MAX_ROWS)
}

function aggregate(
  rows: readonly VerificationRow[],
  failures: readonly EventRow[],
  window: { fromMs: number; toMs: number; bucketMs: number },
  now: number,
  truncated: boolean,
): ActivitySummary {
  const count = Math.max(1, Math.ceil((window.toMs - window.fromMs) / window.bucketMs))
  const buckets = Array.from({ length: count }, (_, index) => ({
    startMs: window.fromMs + index * window.bucketMs,
    sends: {} as Record<string, number>,
    verifications: 0,
    approved: 0,
    verificationsByChannel: {} as Record<string, number>,
    approvedByChannel: {} as Record<string, number>,
    deliveryFailures: 0,
  }))
  const indexOf = (ms: number) => Math.min(count - 1, Math.max(0, Math.floor((ms - window.fromMs) / window.bucketMs)))
  const countries = new Map<
    string,
    { country: string; channel: string; verifications: number; sends: number; approved: number }
  >()
  const totals = { sends: 0, verifications: 0, approved: 0, deliveryFailures: failures.length, pending: 0 }
  for (const row of rows) {
    const channel = findChannel(row.channel)
    // Delivered channels only: the chart counts sends.
    if (!channel) continue
    if (row.purpose === 'decoy') continue
    // Test recipients (reviewers, end-to-end tests) are no real traffic: sent nothing, approved by a fixed code.
    if (row.test === 1) continue
    const bucket = buckets[indexOf(Number(row.createdAt))]
    if (!bucket) continue
    const approved = row.status === 'approved' ? 1 : 0
    bucket.sends[row.channel] = (bucket.sends[row.channel] ?? 0) + row.sends
    bucket.verifications++
    bucket.approved += approved
    bucket.verificationsByChannel[row.channel] = (bucket.verificationsByChannel[row.channel] ?? 0) + 1
    bucket.approvedByChannel[row.channel] = (bucket.approvedByChannel[row.channel] ?? 0) + approved
    totals.sends += row.sends
    totals.verifications++
    totals.approved += approved
    if (effectiveStatus(row, now) === 'pending') totals.pending++
    const country = channel.identifier.region?.(row.identifier) ?? row.channel
    const key = `${row.channel}:${country}`
    const entry = countries.get(key) ?? { country, channel: row.channel, verifications: 0, sends: 0, approved: 0 }
    entry.verifications++
    entry.sends += row.sends
    entry.approved += approved
    countries.set(key, entry)
  }
  for (const failure of failures) {
    const bucket = buckets[indexOf(Number(failure.createdAt))]
    if (bucket) bucket.deliveryFailures++
  }
  return Object.assign({}, window, {
    buckets,
    countries: [...countries.values()].sort((a, b) => b.sends - a.sends),
    totals,
    truncated,
  })
}
