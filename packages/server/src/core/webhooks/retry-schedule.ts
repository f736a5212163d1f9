/**
 * When a failed webhook message is tried again (docs/events.md): after about 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h and 10 h — eight tries over about 27.5 hours — each delay spread by ±10 % so endpoints that failed
 * together are not all retried in the same second.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
]

/** Tries in all: the first and one per delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1

/** Spread of each delay: ±10 %. */
export const JITTER = 0.1

/**
 * The delay before the next try after `attemptsMade` failed tries, or undefined when the message gives up.
 * `random` is in [0, 1) (injected so tests can pin it).
 */
export function nextRetryDelayMs(attemptsMade: number, random: () => number = Math.random): number | undefined {
  const base = RETRY_DELAYS_MS[attemptsMade - 1]
  if (base === undefined) return undefined
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()))
}
