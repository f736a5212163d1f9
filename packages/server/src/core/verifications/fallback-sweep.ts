import type { Logger } from 'pino'

/** How often each instance looks for channel fallbacks that are due: fallbacks wait seconds, so about one. */
const FALLBACK_SWEEP_INTERVAL_MS = 1000

export interface FallbackSweep {
  /** One sweep now (after any running one); answers how many fell back. */
  run(): Promise<number>
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>
}

/**
 * Every instance sweeps: each fallback is claimed by one conditional update, so none is sent twice. Within an
 * instance sweeps run one after another, so a caller's sweep also waits for the timer's.
 */
export function startFallbackSweep(runDueFallbacks: () => Promise<number>, logger: Logger): FallbackSweep {
  let sweep: Promise<number> = Promise.resolve(0)
  const run = () => {
    sweep = sweep.catch(() => 0).then(runDueFallbacks)
    return sweep
  }
  const timer = setInterval(() => {
    run().catch((error: unknown) => logger.error({ err: error }, 'channel fallback sweep failed'))
  }, FALLBACK_SWEEP_INTERVAL_MS)
  timer.unref()
  return {
    run,
    async stop() {
      clearInterval(timer)
      await sweep.catch(() => 0)
    },
  }
}
