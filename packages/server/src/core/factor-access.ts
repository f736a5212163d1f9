import { AppError, assertThat } from '../errors/app-error.js'
import type { FactorRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'

/** The user's factor, or `factor_not_found`: another user's (or app's) factor is indistinguishable from none. */
export async function loadUserFactor(
  store: Store,
  appId: string,
  userId: string,
  factorId: string,
): Promise<FactorRow> {
  const row = await store.factors.findById(appId, factorId)
  assertThat(row && row.userId === userId, 'factor_not_found')
  return row
}

/** `factor_locked`, with the seconds until the lock ends. */
export function factorLockedError(lockedUntil: number, now: number): AppError {
  return new AppError('factor_locked', {
    details: { retry_after: Math.max(1, Math.ceil((lockedUntil - now) / 1000)) },
  })
}

/** Throws `factor_locked` while the factor is locked. */
export function assertUnlocked(row: FactorRow, now: number): void {
  if (row.lockedUntil !== null && Number(row.lockedUntil) > now) throw factorLockedError(Number(row.lockedUntil), now)
}
