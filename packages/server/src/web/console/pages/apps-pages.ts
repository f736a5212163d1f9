import { BUILT_IN_CHANNELS, CHANNEL_NAMES, findChannel } from '../../../channels/built-in-channels.js'
import type { ActivitySummary } from '../../../core/activity-stats.js'
import type { App } from '../../../core/app-service.js'
import { type Html, html } from '../../html.js'
import { barList, rateLineChart, stackedBarChart } from '../charts.js'
import {
  alert,
  appShell,
  type ConsoleContext,
  csrfField,
  type Message,
  shell,
  testRecipientsBadge,
  when,
} from './layout.js'

/** Chart colours, one per channel in the registry's order. */
const CHANNEL_COLORS = ['#6366f1', '#14b8a6', '#f59e0b', '#ec4899']

export function appsPage(ctx: ConsoleContext, message?: Message): string {
  return shell(
    ctx,
    'Apps',
    { section: 'apps' },
    html`<div class="page-head"><div><h1>Apps</h1><p class="sub">Each app has its own keys, settings and data.</p></div></div>
${alert(message)}
<section class="card" aria-labelledby="new-app"><h2 id="new-app">Create an app</h2>
<form method="post" action="/console/apps" class="inline-form">${csrfField(ctx)}
<div class="field"><label for="app-name">Name</label><input id="app-name" name="name" required maxlength="100" placeholder="Acme Web"></div>
<button class="primary" type="submit">Create app</button></form></section>
<div class="table-wrap"><table><thead><tr><th>Name</th><th>App ID</th><th>Channels</th><th>Created</th></tr></thead><tbody>
${
  ctx.apps.length === 0
    ? html`<tr><td colspan="4" class="empty">No apps yet. Create one above.</td></tr>`
    : ctx.apps.map(
        (app) =>
          html`<tr><td><a href="/console/apps/${app.id}">${app.name}</a>${testRecipientsBadge(app)}</td><td class="mono">${app.id}</td><td>${CHANNEL_NAMES.filter((channel) => app.settings.channels[channel].enabled).join(', ')}</td><td class="muted">${when(app.createdAt)}</td></tr>`,
      )
}
</tbody></table></div>`,
  )
}

function rangeLinks(app: App, range: string): Html {
  return html`<div class="range" role="group" aria-label="Time range">${['24h', '7d', '30d'].map(
    (option) =>
      html`<a href="/console/apps/${app.id}?range=${option}"${option === range ? html` aria-current="true"` : ''}>${option}</a>`,
  )}</div>`
}

function bucketLabel(ms: number, bucketMs: number): string {
  const iso = new Date(ms).toISOString()
  return bucketMs < 86_400_000 ? `${iso.slice(11, 13)}h` : iso.slice(5, 10)
}

export function dashboardPage(
  ctx: ConsoleContext,
  app: App,
  summary: ActivitySummary,
  range: string,
  message?: Message,
): string {
  const labels = summary.buckets.map((bucket) => bucketLabel(bucket.startMs, summary.bucketMs))
  const channels = BUILT_IN_CHANNELS
  const rate = (approved: number, total: number) => (total === 0 ? '—' : `${Math.round((approved / total) * 100)}%`)
  const rates = channels.map((channel, index) => ({
    name: channel.label,
    color: CHANNEL_COLORS[index] ?? '#64748b',
    values: summary.buckets.map((bucket) => {
      const total = bucket.verificationsByChannel[channel.name] ?? 0
      return total === 0 ? null : (bucket.approvedByChannel[channel.name] ?? 0) / total
    }),
  }))
  return appShell(
    ctx,
    app,
    'dashboard',
    'Dashboard',
    html`${alert(message)}
<div class="page-head"><h2>Activity</h2>${rangeLinks(app, range)}</div>
${summary.truncated ? html`<div class="alert warn">The window holds more verifications than the dashboard reads; the figures cover the newest.</div>` : ''}
<div class="kpis">
<div class="kpi"><p class="label">Codes sent</p><p class="value">${summary.totals.sends}</p></div>
<div class="kpi"><p class="label">Verifications</p><p class="value">${summary.totals.verifications}</p></div>
<div class="kpi"><p class="label">Approval rate</p><p class="value">${rate(summary.totals.approved, summary.totals.verifications)}</p></div>
<div class="kpi"><p class="label">Delivery failures</p><p class="value">${summary.totals.deliveryFailures}</p></div>
</div>
<div class="grid two">
<section class="card" aria-labelledby="c-sends"><h2 id="c-sends">Sends by channel</h2>${stackedBarChart(
      'Codes sent per period, by channel',
      labels,
      channels.map((channel, index) => ({
        name: channel.label,
        color: CHANNEL_COLORS[index] ?? '#64748b',
        values: summary.buckets.map((bucket) => bucket.sends[channel.name] ?? 0),
      })),
    )}</section>
<section class="card" aria-labelledby="c-rate"><h2 id="c-rate">Approval rate</h2>${rateLineChart('Share of verifications approved per period', labels, rates)}</section>
<section class="card" aria-labelledby="c-fail"><h2 id="c-fail">Delivery failures</h2>${stackedBarChart(
      'Delivery failures per period',
      labels,
      [{ name: 'Failures', color: '#ef4444', values: summary.buckets.map((bucket) => bucket.deliveryFailures) }],
    )}</section>
<section class="card" aria-labelledby="c-country"><h2 id="c-country">Sends by destination</h2>${
      summary.countries.length === 0
        ? html`<p class="empty">Nothing sent in this period.</p>`
        : barList(
            summary.countries.slice(0, 8).map((entry) => ({
              // A destination with a region (a phone's country) is named by it, else by its channel.
              label:
                entry.country === entry.channel
                  ? (findChannel(entry.channel)?.label ?? entry.channel)
                  : countryLabel(entry.country),
              value: entry.sends,
              note: `${rate(entry.approved, entry.verifications)} approved`,
            })),
            '#6366f1',
          )
    }</section>
</div>`,
  )
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' })
function countryLabel(country: string): string {
  if (!/^[A-Z]{2}$/.test(country)) return country
  return `${regionNames.of(country) ?? country} (${country})`
}
