import type { VerificationRow, VerificationStatus } from '../storage/database.js'
import type { Verifier } from '../verifiers/verifier.js'

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
}

/** A pending row past its expiry is expired, whether or not a request has written that yet. */
export function effectiveStatus(row: VerificationRow, now: number): VerificationStatus {
  return row.status === 'pending' && Number(row.expiresAt) <= now ? 'expired' : row.status
}

export function toVerificationView(row: VerificationRow, verifier: Verifier, now: number): VerificationView {
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
  }
}
