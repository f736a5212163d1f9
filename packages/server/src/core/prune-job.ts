import type { Logger } from 'pino'
import type { Store } from '../storage/store.js'
import type { Clock } from './clock.js'

export interface PruneJob {
  /** One pass; answers whether this instance did the work. */
  runOnce(): Promise<boolean>
  stop(): void
}

/**
 * Deletes what can no longer matter (expired verifications and tokens, old
 * events) every `intervalMs`, on one instance at a time.
 */
export function startPruneJob(deps: {
  store: Store
  clock: Clock
  logger: Logger
  retentionDays: number
  intervalMs: number
}): PruneJob {
  async function runOnce(): Promise<boolean> {
    const cutoff = deps.clock.nowMs() - deps.retentionDays * 86_400_000
    const outcome = await deps.store.maintenance.runExclusive(() => deps.store.maintenance.pruneBefore(cutoff))
    if (outcome.ran)
      deps.logger.info({ pruned: outcome.result, retentionDays: deps.retentionDays }, 'pruned old records')
    return outcome.ran
  }
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => deps.logger.warn({ err: error }, 'prune pass failed; retrying next interval'))
  }, deps.intervalMs)
  timer.unref()
  return { runOnce, stop: () => clearInterval(timer) }
}
