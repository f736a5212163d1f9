import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { parsePrometheusText } from '../../test/helpers/prometheus-text.js'
import { METRIC_DEFINITIONS } from './metric-definitions.js'
import { createMetrics } from './metrics.js'

const docs = (name: string) => readFileSync(fileURLToPath(new URL(`../../../../docs/${name}`, import.meta.url)), 'utf8')

/** Every metric name a scrape shows (samples and their families' HELP lines). */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics()
  // Labelled series appear once touched: give each Tessera metric one sample.
  metrics.httpRequests.inc({ route: '/x', method: 'GET', status: 200 })
  metrics.httpRequestDuration.observe({ route: '/x' }, 0.01)
  metrics.deliveryLatency.observe({ channel: 'sms', provider: 'p' }, 1)
  const { body } = await metrics.scrape()
  const names = new Set([...parsePrometheusText(body).keys()].map((key) => key.replace(/\{.*$/, '')))
  for (const match of body.matchAll(/^# HELP (\S+)/gm)) names.add(match[1] as string)
  return names
}

describe('metrics', () => {
  it('each have a name of their own, and every Tessera metric is documented in docs/metrics.md', () => {
    const metrics = createMetrics()
    const names = Object.keys(METRIC_DEFINITIONS).map((key) => {
      const metric = metrics[key as keyof typeof METRIC_DEFINITIONS] as unknown as { name: string }
      return metric.name
    })
    expect(new Set(names).size).toBe(names.length)
    const page = docs('metrics.md')
    for (const name of names) {
      expect(name).toMatch(/^tessera_[a-z_]+$/)
      expect(page).toContain(`| \`${name}\` |`)
    }
  })

  it('the Grafana dashboard queries only metrics that exist', async () => {
    const exported = await exportedNames()
    const dashboard = JSON.parse(docs('grafana-dashboard.json')) as { panels: Array<{ targets?: { expr: string }[] }> }
    const expressions = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr))
    expect(expressions.length).toBeGreaterThan(10)
    const used = new Set(
      expressions.flatMap((expr) => [...expr.matchAll(/\b((?:tessera|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1])),
    )
    for (const name of used) expect(exported, `${name} is not exported`).toContain(name)
    // Every Tessera metric has a place on the dashboard.
    for (const definition of Object.keys(METRIC_DEFINITIONS)) {
      const name = (createMetrics()[definition as keyof typeof METRIC_DEFINITIONS] as unknown as { name: string }).name
      expect([...used].some((metric) => metric?.startsWith(name))).toBe(true)
    }
  })

  it('keeps each server’s counts apart (each has a registry of its own)', async () => {
    const one = createMetrics()
    const two = createMetrics()
    one.sendRefusals.inc({ reason: 'blocked_country' })
    expect((await one.scrape()).body).toContain('tessera_send_refusals_total{reason="blocked_country"} 1')
    expect((await two.scrape()).body).not.toContain('reason="blocked_country"')
  })

  it('shows the process’s own metrics in every server’s scrape, from one set of collectors a process', async () => {
    // prom-client reads node:perf_hooks through require: its CommonJS exports are what it calls.
    const perfHooks = createRequire(import.meta.url)('node:perf_hooks') as typeof import('node:perf_hooks')
    const monitors = vi.spyOn(perfHooks, 'monitorEventLoopDelay')
    try {
      const servers = [createMetrics(), createMetrics(), createMetrics()]
      // At most the first server of this process starts the event-loop delay monitor; none after it.
      expect(monitors.mock.calls.length).toBeLessThanOrEqual(1)
      for (const metrics of servers) {
        const { body } = await metrics.scrape()
        expect(body).toContain('process_cpu_user_seconds_total')
        expect(body).toContain('nodejs_eventloop_lag_seconds')
        expect(body).toContain('tessera_http_requests_total')
      }
    } finally {
      monitors.mockRestore()
    }
  })
})
