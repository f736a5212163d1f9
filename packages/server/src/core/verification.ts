import type { VerificationPurpose, VerificationRow, VerificationStatus } from '../storage/database.js'
import type { ChallengePlan, Verifier } from '../verifiers/verifier.js'
import type { DeliveryView } from './message-delivery.js'

/** What the API shows of a verification: never the code, never the full identifier. */
export interface VerificationView {
  readonly id: string
  readonly status: VerificationStatus
  /** The verification type (`sms`, `email`, `totp`, …); `channel` in the API. */
  readonly channel: string
  /** Masked identifier for delivered types; null for types that deliver nothing. */
  readonly toMasked: string | null
  readonly factorId: string | null
  readonly scene: string
  readonly userId: string | null
  readonly locale: string | null
  readonly metadata: Record<string, unknown> | null
  readonly createdAt: number
  readonly expiresAt: number
  readonly expiresInSeconds: number
  readonly attempts: number
  readonly attemptsRemaining: number
  readonly sends: number
  readonly sendsRemaining: number
  /** When a resend is allowed; null when no send remains or the verification is over. */
  readonly resendAvailableAt: number | null
  readonly approvedAt: number | null
  /** To one of the app's test recipients: nothing was sent, only the fixed code approves it. */
  readonly test: boolean
  /** What the person's device needs to answer (a passkey's `options`): only in the answer that starts it. */
  readonly reveal?: Readonly<Record<string, unknown>>
  /** Every delivery attempt, oldest first: on reads of one verification only. */
  readonly deliveries?: readonly DeliveryView[]
}

/** A pending row past its expiry is expired, whether or not a request has written that yet. */
export function effectiveStatus(row: VerificationRow, now: number): VerificationStatus {
  return row.status === 'pending' && Number(row.expiresAt) <= now ? 'expired' : row.status
}

/**
 * `more` goes in at the end, not spread into a copy afterwards: see docs/decisions.md, "No object literal that
 * adds a field after a spread".
 */
export function toVerificationView(
  row: VerificationRow,
  verifier: Verifier,
  now: number,
  more?: Pick<VerificationView, 'reveal' | 'deliveries'>,
): VerificationView {
  const status = effectiveStatus(row, now)
  const expiresAt = Number(row.expiresAt)
  const sendsRemaining = Math.max(0, row.maxSends - row.sends)
  const resendAvailableAt =
    status === 'pending' && sendsRemaining > 0
      ? Math.max(now, Number(row.lastSentAt) + row.resendCooldownSeconds * 1000)
      : null
  return {
    id: row.id,
    status,
    channel: row.channel,
    toMasked: verifier.delivery ? verifier.delivery.maskIdentifier(row.identifier) : null,
    factorId: row.factorId,
    scene: row.scene,
    userId: row.userId,
    locale: row.locale,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    createdAt: Number(row.createdAt),
    expiresAt,
    expiresInSeconds: status === 'pending' ? Math.max(0, Math.ceil((expiresAt - now) / 1000)) : 0,
    attempts: row.attempts,
    attemptsRemaining: status === 'pending' ? Math.max(0, row.maxAttempts - row.attempts) : 0,
    sends: row.sends,
    sendsRemaining: status === 'pending' ? sendsRemaining : 0,
    resendAvailableAt,
    approvedAt: row.approvedAt === null ? null : Number(row.approvedAt),
    test: row.test === 1,
    ...more,
  }
}

/**
 * A new pending verification. The type's challenge policy is copied into the
 * row, so a settings change never alters a verification in flight.
 */
export function newVerificationRow(input: {
  readonly id: string
  readonly appId: string
  readonly type: string
  readonly plan: ChallengePlan
  /** HMAC of the code to send; '' for types that deliver none. */
  readonly codeHash: string
  readonly sendsCode: boolean
  readonly identifier: string
  readonly scene: string
  readonly userId: string | null
  readonly factorId: string | null
  readonly purpose: VerificationPurpose
  readonly locale?: string | undefined
  readonly clientIp?: string | undefined
  readonly metadata?: Record<string, unknown> | undefined
  /** To one of the app's test recipients (settings/test-recipients.ts). */
  readonly test?: boolean
  /** When the channel's fallback takes over (its first send), if it has one. */
  readonly fallbackDueAt?: number | null | undefined
  readonly now: number
}): VerificationRow {
  const { plan, now } = input
  return {
    id: input.id,
    appId: input.appId,
    channel: input.type,
    identifier: input.identifier,
    scene: input.scene,
    userId: input.userId,
    status: 'pending',
    codeHash: input.codeHash,
    attempts: 0,
    maxAttempts: plan.maxAttempts,
    sends: input.sendsCode ? 1 : 0,
    maxSends: plan.maxSends ?? 0,
    resendCooldownSeconds: plan.resendCooldownSeconds ?? 0,
    ttlSeconds: plan.ttlSeconds,
    lastSentAt: now,
    expiresAt: now + plan.ttlSeconds * 1000,
    createdAt: now,
    updatedAt: now,
    approvedAt: null,
    locale: input.locale ?? null,
    clientIp: input.clientIp ?? null,
    metadata: input.metadata === undefined ? null : JSON.stringify(input.metadata),
    factorId: input.factorId,
    purpose: input.purpose,
    test: input.test ? 1 : 0,
    fallbackDueAt: input.fallbackDueAt ?? null,
  }
}
