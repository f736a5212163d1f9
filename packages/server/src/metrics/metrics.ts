import { collectDefaultMetrics, Registry } from 'prom-client'
import { METRIC_DEFINITIONS, type MetricSet } from './metric-definitions.js'

/**
 * The process's metrics: every definition of `metric-definitions.ts`, in a registry of this server's own (tests
 * run many servers in one process; each counts alone), plus prom-client's default Node process metrics.
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

let processMetrics: Registry | undefined

/**
 * prom-client's default metrics, made once per process and shown by every server in it: they describe the
 * process, not a server. Each `collectDefaultMetrics` call starts an event-loop delay monitor (a 10 ms timer)
 * and a GC observer that nothing ever stops, so a call per server left a process that made many servers (a
 * test file, an embedding host) with as many of each, all running.
 */
function processMetricsRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry()
    collectDefaultMetrics({ register: processMetrics })
  }
  return processMetrics
}

export function createMetrics(): Metrics {
  const own = new Registry()
  const made: Record<string, unknown> = {}
  for (const [key, make] of Object.entries(METRIC_DEFINITIONS)) made[key] = make(own)
  // After every metric is made: a merged registry holds the metrics its parts had then.
  const registry = Registry.merge([processMetricsRegistry(), own])
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
