import { isStorageFailure } from '../errors/storage-failure.js'
import type { Store } from '../storage/store.js'

/**
 * Remembers that the database refused a write for lack of storage (disk full,
 * read-only, I/O errors), so readiness can say so: a `select 1` still answers
 * on a full disk. While a failure is remembered, readiness commits a probe
 * write; the first probe that succeeds forgets the failure, so an instance
 * taken out of rotation (no traffic to clear it) comes back by itself.
 * Healthy, readiness stays a read: no write every few seconds from every
 * instance (docs/decisions.md).
 */
export interface StorageOutage {
  /** Remembers `error` when it means the database cannot store writes; answers whether it did. */
  note(error: unknown): boolean
  /**
   * Whether the database takes writes: at once when no failure is remembered; else after a probe write,
   * which forgets the failure when it succeeds (`recovered`) and reports its error when it does not.
   */
  check(): Promise<WriteCheck>
}

export type WriteCheck =
  | { readonly writable: true; readonly recovered: boolean }
  | { readonly writable: false; readonly error: unknown }

const WRITABLE: WriteCheck = { writable: true, recovered: false }

export function createStorageOutage(deps: { store: Store }): StorageOutage {
  /** Failures noted so far: a probe that started before the latest one does not clear it. */
  let failures = 0
  let failing = false
  let probing: Promise<WriteCheck> | undefined

  async function probe(): Promise<WriteCheck> {
    const seen = failures
    try {
      await deps.store.probeWrite()
    } catch (error) {
      if (isStorageFailure(error)) failures++
      return { writable: false, error }
    }
    // A request failed while the probe ran: one success does not outweigh it; the next check probes again.
    if (failures !== seen) return { writable: false, error: undefined }
    failing = false
    return { writable: true, recovered: true }
  }

  return {
    note(error) {
      if (!isStorageFailure(error)) return false
      failures++
      failing = true
      return true
    },
    check() {
      if (!failing) return Promise.resolve(WRITABLE)
      // Readiness polled by several checkers at once shares one probe.
      probing ??= probe().finally(() => {
        probing = undefined
      })
      return probing
    },
  }
}
