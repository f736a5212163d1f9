import type { ActivitySummary } from '../../core/activity-stats.js'
import type { ApiKeySummary, App, CreatedApiKey } from '../../core/app-service.js'
import type { DeliveryView } from '../../core/message-delivery.js'
import type { VerificationView } from '../../core/verification.js'
import { weakSettingWarnings } from '../../settings/settings-warnings.js'
import type { EventRow } from '../../storage/database.js'
import { type Html, html } from '../html.js'
import { barList, rateLineChart, stackedBarChart } from './charts.js'
import { settingsFormFields, weakSettingsNotice } from './settings-form.js'

/** What every console page knows. */
export interface ConsoleContext {
  readonly nonce: string
  readonly csrf: string
  readonly apps: readonly App[]
}

export type AppTab = 'dashboard' | 'verifications' | 'events' | 'keys' | 'settings' | 'templates'

const CHANNEL_COLORS: Record<string, string> = { sms: '#6366f1', email: '#14b8a6' }

export const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19)

function document(ctx: { nonce: string }, title: string, body: Html, scripts: readonly string[] = []): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · Tessera console</title>
<link rel="stylesheet" href="/console/assets/console.css" nonce="${ctx.nonce}">
${scripts.map((src) => html`<script src="/console/assets/${src}" nonce="${ctx.nonce}" defer></script>`)}
</head>
${body}
</html>`.value
}

export function csrfField(ctx: ConsoleContext): Html {
  return html`<input type="hidden" name="csrf" value="${ctx.csrf}">`
}

/** The operator pages outside any app (console-operator-pages.ts). */
export type OperatorSection = 'signing-keys' | 'sessions'

export function shell(
  ctx: ConsoleContext,
  title: string,
  current: { appId?: string; section?: 'apps' | OperatorSection },
  main: Html,
  scripts: readonly string[] = [],
): string {
  return document(
    ctx,
    title,
    html`<body><div class="shell">
<nav class="sidebar" aria-label="Console">
<a class="logo" href="/console"><span class="logo-mark" aria-hidden="true">T</span>Tessera</a>
<div><p class="nav-title">Apps</p>
<ul class="nav">
<li><a href="/console/apps"${current.section === 'apps' ? html` aria-current="page"` : ''}>All apps</a></li>
${ctx.apps.map((app) => html`<li><a href="/console/apps/${app.id}"${current.appId === app.id ? html` aria-current="page"` : ''}>${app.name}</a></li>`)}
</ul></div>
<div><p class="nav-title">Operator</p>
<ul class="nav">
<li><a href="/console/signing-keys"${current.section === 'signing-keys' ? html` aria-current="page"` : ''}>Signing keys</a></li>
<li><a href="/console/sessions"${current.section === 'sessions' ? html` aria-current="page"` : ''}>Sessions</a></li>
</ul></div>
<form method="post" action="/console/sign-out">${csrfField(ctx)}<button type="submit">Sign out</button></form>
</nav>
<main id="main">${main}</main>
</div></body>`,
    scripts,
  )
}

function appHeader(app: App, tab: AppTab): Html {
  const tabs: [AppTab, string, string][] = [
    ['dashboard', 'Dashboard', ''],
    ['verifications', 'Verifications', '/verifications'],
    ['events', 'Events', '/events'],
    ['keys', 'API keys', '/keys'],
    ['settings', 'Settings', '/settings'],
    ['templates', 'Templates', '/templates'],
  ]
  return html`<div class="page-head"><div><h1>${app.name}</h1><p class="sub mono">${app.id}</p></div></div>
<nav class="tabs" aria-label="App">${tabs.map(
    ([id, label, path]) =>
      html`<a href="/console/apps/${app.id}${path}"${id === tab ? html` aria-current="page"` : ''}>${label}</a>`,
  )}</nav>`
}

export function alert(message: { kind: 'error' | 'ok' | 'warn'; text: string } | undefined): Html {
  if (!message) return html``
  return html`<div class="alert ${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}">${message.text}</div>`
}

/** `retryAfterSeconds`: sign-in is throttled; the page says when to retry (and carries it for scripts). */
export function signInPage(ctx: { nonce: string; csrf: string }, error?: string, retryAfterSeconds?: number): string {
  return document(
    ctx,
    'Sign in',
    html`<body><main class="signin"><div class="card">
<span class="logo-mark" aria-hidden="true">T</span>
<h1>Tessera console</h1>
<p class="sub">Sign in with the admin key (TESSERA_ADMIN_KEY, or the key <code>npm start</code> printed and saved in the data folder).</p>
<form method="post" action="/console/sign-in">
<input type="hidden" name="csrf" value="${ctx.csrf}">
${error ? html`<div class="alert error" role="alert" id="signin-error"${retryAfterSeconds === undefined ? '' : html` data-retry-after="${String(retryAfterSeconds)}"`}>${error}</div>` : ''}
<p><label for="admin_key">Admin key</label>
<input id="admin_key" name="admin_key" type="password" autocomplete="current-password" required autofocus${error ? html` aria-invalid="true" aria-describedby="signin-error"` : ''}></p>
<button class="primary" type="submit">Sign in</button>
</form></div></main></body>`,
  )
}

export function appsPage(ctx: ConsoleContext, message?: { kind: 'error' | 'ok'; text: string }): string {
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
          html`<tr><td><a href="/console/apps/${app.id}">${app.name}</a></td><td class="mono">${app.id}</td><td>${(
            ['sms', 'email'] as const
          )
            .filter((channel) => app.settings.channels[channel].enabled)
            .join(', ')}</td><td class="muted">${when(app.createdAt)}</td></tr>`,
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
  message?: { kind: 'error' | 'ok'; text: string },
): string {
  const labels = summary.buckets.map((bucket) => bucketLabel(bucket.startMs, summary.bucketMs))
  const channels = ['sms', 'email']
  const rate = (approved: number, total: number) => (total === 0 ? '—' : `${Math.round((approved / total) * 100)}%`)
  const rates = channels.map((channel) => ({
    name: channel === 'sms' ? 'SMS' : 'Email',
    color: CHANNEL_COLORS[channel] ?? '#64748b',
    values: summary.buckets.map((bucket) => {
      const total = bucket.verificationsByChannel[channel] ?? 0
      return total === 0 ? null : (bucket.approvedByChannel[channel] ?? 0) / total
    }),
  }))
  return shell(
    ctx,
    `${app.name} · Dashboard`,
    { appId: app.id },
    html`${appHeader(app, 'dashboard')}
${alert(message)}
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
      channels.map((channel) => ({
        name: channel === 'sms' ? 'SMS' : 'Email',
        color: CHANNEL_COLORS[channel] ?? '#64748b',
        values: summary.buckets.map((bucket) => bucket.sends[channel] ?? 0),
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
              label: entry.channel === 'email' ? 'Email' : countryLabel(entry.country),
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

export interface VerificationFilterForm {
  readonly status?: string | undefined
  readonly channel?: string | undefined
  readonly scene?: string | undefined
  readonly from?: string | undefined
  readonly to?: string | undefined
}

export function verificationsPage(
  ctx: ConsoleContext,
  app: App,
  filter: VerificationFilterForm,
  views: readonly VerificationView[],
  error?: string,
): string {
  const option = (value: string, current: string | undefined, label = value) =>
    html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`
  return shell(
    ctx,
    `${app.name} · Verifications`,
    { appId: app.id },
    html`${appHeader(app, 'verifications')}
<form method="get" class="filters card" aria-label="Filter verifications">
<div><label for="status">Status</label><select id="status" name="status">${option('', filter.status, 'Any')}${['pending', 'approved', 'expired', 'canceled', 'max_attempts_reached'].map((s) => option(s, filter.status))}</select></div>
<div><label for="channel">Channel</label><select id="channel" name="channel">${option('', filter.channel, 'Any')}${['sms', 'email', 'totp', 'password', 'backup-code'].map((s) => option(s, filter.channel))}</select></div>
<div><label for="scene">Scene</label><input id="scene" name="scene" value="${filter.scene ?? ''}" placeholder="any" pattern="[a-z0-9-]{1,64}"></div>
<div><label for="from">From (UTC)</label><input id="from" name="from" type="datetime-local" value="${filter.from ?? ''}"></div>
<div><label for="to">To (UTC)</label><input id="to" name="to" type="datetime-local" value="${filter.to ?? ''}"></div>
<div><button class="primary" type="submit">Filter</button></div>
</form>
${error ? alert({ kind: 'error', text: error }) : ''}
<div class="table-wrap"><table><thead><tr><th>Created (UTC)</th><th>Verification</th><th>Channel</th><th>To</th><th>Scene</th><th>Status</th><th class="num">Attempts</th><th class="num">Sends</th></tr></thead><tbody>
${
  views.length === 0
    ? html`<tr><td colspan="8" class="empty">No verification matches.</td></tr>`
    : views.map(
        (view) =>
          html`<tr><td class="muted nowrap">${when(view.createdAt)}</td><td class="mono"><a href="/console/apps/${app.id}/verifications/${view.id}">${view.id}</a></td><td>${view.channel}</td><td class="mono">${view.toMasked ?? '—'}</td><td>${view.scene}</td><td><span class="badge ${view.status}">${view.status.replaceAll('_', ' ')}</span></td><td class="num">${view.attempts}</td><td class="num">${view.sends}</td></tr>`,
      )
}
</tbody></table></div>`,
  )
}

function eventsTable(app: App, events: readonly EventRow[]): Html {
  return html`<div class="table-wrap"><table><thead><tr><th>Time (UTC)</th><th>Kind</th><th>Verification</th><th>To</th><th>Client IP</th><th>Details</th></tr></thead><tbody>
${
  events.length === 0
    ? html`<tr><td colspan="6" class="empty">No events.</td></tr>`
    : events.map(
        (event) =>
          html`<tr><td class="muted nowrap">${when(Number(event.createdAt))}</td><td><span class="badge${event.kind.includes('failed') || event.kind.includes('locked') || event.kind.includes('refused') ? ' failed' : ''}">${event.kind}</span></td><td class="mono">${event.verificationId ? html`<a href="/console/apps/${app.id}/verifications/${event.verificationId}">${event.verificationId}</a>` : '—'}</td><td class="mono">${event.identifierMasked ?? '—'}</td><td class="mono">${event.clientIp ?? '—'}</td><td class="mono muted">${event.details ?? ''}</td></tr>`,
      )
}
</tbody></table></div>`
}

export function verificationPage(
  ctx: ConsoleContext,
  app: App,
  view: VerificationView,
  events: readonly EventRow[],
  deliveries: readonly DeliveryView[],
): string {
  return shell(
    ctx,
    `${app.name} · ${view.id}`,
    { appId: app.id },
    html`${appHeader(app, 'verifications')}
<section class="card"><h2 class="mono">${view.id}</h2><dl class="facts">
<dt>Status</dt><dd><span class="badge ${view.status}">${view.status.replaceAll('_', ' ')}</span></dd>
<dt>Channel</dt><dd>${view.channel}</dd><dt>To</dt><dd class="mono">${view.toMasked ?? '—'}</dd>
<dt>Scene</dt><dd>${view.scene}</dd><dt>User</dt><dd class="mono">${view.userId ?? '—'}</dd>
<dt>Created</dt><dd>${when(view.createdAt)} UTC</dd><dt>Expires</dt><dd>${when(view.expiresAt)} UTC</dd>
<dt>Approved</dt><dd>${view.approvedAt === null ? '—' : `${when(view.approvedAt)} UTC`}</dd>
<dt>Attempts</dt><dd>${view.attempts} (remaining ${view.attemptsRemaining})</dd><dt>Sends</dt><dd>${view.sends} (remaining ${view.sendsRemaining})</dd>
</dl></section>
<h2>Deliveries</h2>
<div class="table-wrap"><table><thead><tr><th>When (UTC)</th><th>Provider</th><th>Status</th><th>Provider message id</th><th>Error</th></tr></thead><tbody>
${
  deliveries.length === 0
    ? html`<tr><td colspan="5" class="empty">No delivery recorded (nothing is sent for this type, or the record was pruned).</td></tr>`
    : deliveries.map(
        (delivery) =>
          html`<tr><td class="muted nowrap">${when(delivery.at)}</td><td>${delivery.provider}</td><td><span class="badge ${delivery.status === 'delivered' || delivery.status === 'sent' ? 'approved' : delivery.status === 'queued' ? 'pending' : 'failed'}">${delivery.status}</span></td><td class="mono">${delivery.providerMessageId ?? '—'}</td><td class="mono">${delivery.errorCode ?? '—'}</td></tr>`,
      )
}
</tbody></table></div>
<h2 class="spaced">Events</h2>
<p class="sub">Wrong codes, locks and delivery failures recorded for this verification.</p>
${eventsTable(app, events)}`,
  )
}

export function eventsPage(
  ctx: ConsoleContext,
  app: App,
  kind: string | undefined,
  events: readonly EventRow[],
): string {
  return shell(
    ctx,
    `${app.name} · Events`,
    { appId: app.id },
    html`${appHeader(app, 'events')}
<form method="get" class="filters card" aria-label="Filter events"><div><label for="kind">Kind</label><input id="kind" name="kind" value="${kind ?? ''}" placeholder="e.g. delivery.failed"></div><div><button class="primary" type="submit">Filter</button></div></form>
${eventsTable(app, events)}`,
  )
}

export function keysPage(
  ctx: ConsoleContext,
  app: App,
  keys: readonly ApiKeySummary[],
  created?: CreatedApiKey,
  message?: { kind: 'error' | 'ok'; text: string },
): string {
  return shell(
    ctx,
    `${app.name} · API keys`,
    { appId: app.id },
    html`${appHeader(app, 'keys')}
${alert(message)}
${
  created
    ? html`<section class="card" aria-labelledby="new-key"><h2 id="new-key">New key “${created.name}”</h2>
<p>Copy it now: it is shown only once and cannot be recovered.</p>
<div class="secret mono" id="new-key-secret">${created.key}</div></section>`
    : ''
}
<section class="card" aria-labelledby="create-key"><h2 id="create-key">Create a key</h2>
<form method="post" action="/console/apps/${app.id}/keys" class="inline-form">${csrfField(ctx)}
<div class="field"><label for="key-name">Name</label><input id="key-name" name="name" maxlength="100" placeholder="backend-prod" required></div>
<button class="primary" type="submit">Create key</button></form></section>
<div class="table-wrap"><table><thead><tr><th>Name</th><th>Prefix</th><th>Created (UTC)</th><th>Status</th><th><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
${
  keys.length === 0
    ? html`<tr><td colspan="5" class="empty">No keys yet.</td></tr>`
    : keys.map(
        (key) =>
          html`<tr><td>${key.name}</td><td class="mono">${key.prefix}…</td><td class="muted">${when(key.createdAt)}</td><td>${key.revokedAt === null ? html`<span class="badge approved">active</span>` : html`<span class="badge revoked">revoked</span>`}</td><td>${
            key.revokedAt === null
              ? html`<form method="post" action="/console/apps/${app.id}/keys/${key.id}/revoke">${csrfField(ctx)}<button class="danger" type="submit" aria-label="Revoke key ${key.name}">Revoke</button></form>`
              : ''
          }</td></tr>`,
      )
}
</tbody></table></div>`,
  )
}

export function settingsPage(
  ctx: ConsoleContext,
  app: App,
  values: unknown,
  errors: ReadonlyMap<string, string>,
  message?: { kind: 'error' | 'ok'; text: string },
  extra?: Html,
): string {
  const groups = new Set<string>()
  // Warnings name the saved settings (in force), also while a rejected submission is shown.
  const warnings = weakSettingWarnings(app.settings)
  const body = settingsFormFields(values, errors, warnings)
  for (const match of body.value.matchAll(
    /<fieldset class="settings-group" id="g-([^"]+)"><legend>([^<]+)<\/legend>/g,
  )) {
    groups.add(`${match[1]}\u0000${match[2]}`)
  }
  return shell(
    ctx,
    `${app.name} · Settings`,
    { appId: app.id },
    html`${appHeader(app, 'settings')}
${alert(message)}
<section class="card" aria-labelledby="rename"><h2 id="rename">Name</h2>
<form method="post" action="/console/apps/${app.id}/rename" class="inline-form">${csrfField(ctx)}
<div class="field"><label for="rename-name">App name</label><input id="rename-name" name="name" value="${app.name}" required maxlength="100"></div>
<button class="secondary" type="submit">Rename</button></form></section>
${extra ?? ''}
${weakSettingsNotice(warnings)}
<div class="settings-layout">
<nav class="settings-toc" aria-label="Settings sections">${[...groups].map((entry) => {
      const [id, label] = entry.split('\u0000')
      return html`<a href="#g-${id}">${label}</a>`
    })}</nav>
<form method="post" action="/console/apps/${app.id}/settings" novalidate>${csrfField(ctx)}
${body}
<div class="sticky-actions"><button class="primary" type="submit">Save settings</button></div>
</form></div>`,
  )
}

export function templatesPage(
  ctx: ConsoleContext,
  app: App,
  body: Html,
  message?: { kind: 'error' | 'ok'; text: string },
): string {
  return shell(
    ctx,
    `${app.name} · Templates`,
    { appId: app.id },
    html`${appHeader(app, 'templates')}
${alert(message)}
${body}`,
    ['console.js'],
  )
}
