import { collectDefaultMetrics, Registry } from 'prom-client'
import { METRIC_DEFINITIONS, type MetricSet } from './metric-definitions.js'

/**
 * The process's metrics: every definition of `metric-definitions.ts` plus prom-client's default Node process
 * metrics, in a registry of this server's own (tests run many servers in one process; each counts alone).
 * Counters only grow for the process's life: Prometheus computes rates from differences.
 */
export interface Metrics extends MetricSet {
  /**
   * Runs `refresh` before every scrape, for values read from elsewhere when asked (the breakers' states; an
   * outbox's backlog) rather than counted as they happen.
   */
  onScrape(refresh: () => void | Promise<void>): void
  /** The exposition text and its content type. */
  scrape(): Promise<{ readonly contentType: string; readonly body: string }>
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const made: Record<string, unknown> = {}
  for (const [key, make] of Object.entries(METRIC_DEFINITIONS)) made[key] = make(registry)
  const refreshers: Array<() => void | Promise<void>> = []
  // built once, not per request: a spread here costs nothing (docs/decisions.md)
  return {
    ...(made as unknown as MetricSet),
    onScrape(refresh) {
      refreshers.push(refresh)
    },
    async scrape() {
      for (const refresh of refreshers) await refresh()
      return { contentType: registry.contentType, body: await registry.metrics() }
    },
  }
}
