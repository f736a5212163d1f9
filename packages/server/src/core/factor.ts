import type { FactorRow } from '../storage/database.js'
import type { Verifier } from '../verifiers/verifier.js'

/** What the API shows of a factor: never its material, never the full identifier. */
export interface FactorView {
  readonly id: string
  readonly userId: string
  readonly type: string
  readonly status: 'pending' | 'active'
  readonly toMasked: string | null
  readonly label: string | null
  readonly createdAt: number
  readonly lastUsedAt: number | null
  /** Set while the factor is locked after too many failures. */
  readonly lockedUntil: number | null
  /** When a check flagged the factor for the operator (a passkey's sign counter went backwards), and why. */
  readonly flaggedAt: number | null
  readonly flagReason: string | null
  /** Fields the factor's type adds to the view, as the API names them (`backup_codes_remaining`). */
  readonly details?: Readonly<Record<string, unknown>>
}

export function toFactorView(row: FactorRow, verifier: Verifier | undefined, now: number): FactorView {
  const lockedUntil = row.lockedUntil === null || Number(row.lockedUntil) <= now ? null : Number(row.lockedUntil)
  return {
    id: row.id,
    userId: row.userId,
    type: row.type,
    // Decoys are never listed; were one to reach a view, it would show as what it imitates.
    status: row.status === 'decoy' ? 'active' : row.status,
    toMasked: row.identifier !== null && verifier?.delivery ? verifier.delivery.maskIdentifier(row.identifier) : null,
    label: row.label,
    createdAt: Number(row.createdAt),
    lastUsedAt: row.lastUsedAt === null ? null : Number(row.lastUsedAt),
    lockedUntil,
    flaggedAt: row.flaggedAt === null || row.flaggedAt === undefined ? null : Number(row.flaggedAt),
    flagReason: row.flagReason ?? null,
  }
}
