import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/**
 * Every metric Tessera exports, one line each: its name, help text and labels. `createMetrics` makes them
 * all in one registry; callers reach them by key (`metrics.sends.inc(...)`). Adding a metric is one line
 * here plus the call at the single place that knows the fact.
 *
 * Labels must stay bounded: route templates, channel, provider and reason names, outcome words — never an
 * id, identifier, key or raw URL (each distinct label value is a time series kept for the process's life).
 */
// biome-ignore format: one line per metric, so the list reads as a table and adding one is one line.
export const METRIC_DEFINITIONS = {
  httpRequests: counter('tessera_http_requests_total', 'HTTP requests answered, by route template, method and status.', ['route', 'method', 'status']),
  httpRequestDuration: histogram('tessera_http_request_duration_seconds', 'Time to answer an HTTP request, by route template.', ['route'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  verificationsStarted: counter('tessera_verifications_started_total', 'Verifications started (stored and, where the type delivers a code, sent), by channel or type.', ['channel']),
  verificationsFinished: counter('tessera_verifications_finished_total', 'Verifications finished, by channel or type and outcome (approved, locked, canceled, expired).', ['channel', 'outcome']),
  sends: counter('tessera_sends_total', 'Messages handed to a provider (one per provider tried), by result (sent, failed, skipped: breaker open).', ['channel', 'provider', 'result']),
  deliveryLatency: histogram('tessera_delivery_latency_seconds', "Time from a provider taking a message to its receipt saying delivered.", ['channel', 'provider'], [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600]),
  sendRefusals: counter('tessera_send_refusals_total', 'Sends refused before any provider was tried (a send limit, the SMS pumping guard), by reason.', ['reason']),
  outboxBacklog: gauge('tessera_outbox_backlog', 'Events not yet fanned out to webhook endpoints plus webhook messages still to deliver (the whole database, read at each scrape).', []),
  webhookAttempts: counter('tessera_webhook_attempts_total', 'Webhook deliveries tried by this instance, by result (succeeded, failed: non-2xx or no answer in 10 s).', ['result']),
  providerBreakerOpen: gauge('tessera_provider_breaker_open', "Open circuit breakers of a provider (one per app chain using it): messages skip it now.", ['provider']),
} as const

type Definitions = typeof METRIC_DEFINITIONS

/** The metrics, made in one registry: each definition's key to its prom-client metric. */
export type MetricSet = { readonly [K in keyof Definitions]: ReturnType<Definitions[K]> }

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  return (registry: Registry) => new Counter<L>({ name, help, labelNames, registers: [registry] })
}

function gauge<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  return (registry: Registry) => new Gauge<L>({ name, help, labelNames, registers: [registry] })
}

function histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) {
  return (registry: Registry) => new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] })
}
