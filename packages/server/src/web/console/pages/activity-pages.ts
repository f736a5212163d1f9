import type { App } from '../../../core/app-service.js'
import type { DeliveryView } from '../../../core/message-delivery.js'
import type { VerificationView } from '../../../core/verification.js'
import type { WebhookAttemptView } from '../../../core/webhooks/webhook-service.js'
import { BUILT_IN_VERIFIERS } from '../../../verifiers/built-in-verifiers.js'
import { type Html, html } from '../../html.js'
import { alert, appShell, type ConsoleContext, csrfField, type Message, when } from './layout.js'

/** One event as the console lists it. */
export interface EventEntry {
  readonly id: string
  /** Whether webhooks carry it (an app's event) and so it can be resent. */
  readonly deliverable: boolean
  readonly at: number
  readonly kind: string
  readonly verificationId: string | null
  readonly identifierMasked: string | null
  readonly clientIp: string | null
  readonly details: string | null
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
  return appShell(
    ctx,
    app,
    'verifications',
    'Verifications',
    html`<form method="get" class="filters card" aria-label="Filter verifications">
<div><label for="status">Status</label><select id="status" name="status">${option('', filter.status, 'Any')}${['pending', 'approved', 'expired', 'canceled', 'max_attempts_reached'].map((s) => option(s, filter.status))}</select></div>
<div><label for="channel">Channel</label><select id="channel" name="channel">${option('', filter.channel, 'Any')}${BUILT_IN_VERIFIERS.map(({ type }) => option(type, filter.channel))}</select></div>
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
          html`<tr><td class="muted nowrap">${when(view.createdAt)}</td><td class="mono"><a href="/console/apps/${app.id}/verifications/${view.id}">${view.id}</a></td><td>${view.channel}</td><td class="mono">${view.toMasked ?? '—'}</td><td>${view.scene}</td><td><span class="badge ${view.status}">${view.status.replaceAll('_', ' ')}</span>${view.test ? html` <span class="badge test">test</span>` : ''}</td><td class="num">${view.attempts}</td><td class="num">${view.sends}</td></tr>`,
      )
}
</tbody></table></div>`,
  )
}

/** An event's webhook tries, oldest first: status (or error), latency, time. */
function attemptsCell(attempts: readonly WebhookAttemptView[]): Html {
  if (attempts.length === 0) return html`<span class="muted">&mdash;</span>`
  return html`<ol class="attempts">${attempts.map(
    (attempt) =>
      html`<li><span class="badge${attempt.succeeded ? ' approved' : ' failed'}">${attempt.responseStatus ?? attempt.error ?? 'error'}</span> <span class="muted">${attempt.latencyMs} ms · ${when(attempt.attemptedAt)} · ${attempt.endpointId}</span></li>`,
  )}</ol>`
}

/** The events table; with `webhooks`, a column of each event's webhook tries and its Resend button. */
function eventsTable(
  app: App,
  events: readonly EventEntry[],
  webhooks?: { ctx: ConsoleContext; attempts: ReadonlyMap<string, readonly WebhookAttemptView[]> },
): Html {
  const columns = webhooks ? 7 : 6
  return html`<div class="table-wrap"><table><thead><tr><th>Time (UTC)</th><th>Type</th><th>Verification</th><th>To</th><th>Client IP</th><th>Details</th>${webhooks ? html`<th>Webhook tries</th>` : ''}</tr></thead><tbody>
${
  events.length === 0
    ? html`<tr><td colspan="${String(columns)}" class="empty">No events.</td></tr>`
    : events.map(
        (event) =>
          html`<tr data-event-id="${event.id}"><td class="muted nowrap">${when(event.at)}</td><td><span class="badge${event.kind.includes('failed') || event.kind.includes('locked') || event.kind.includes('refused') || event.kind.includes('disabled') ? ' failed' : ''}">${event.kind}</span></td><td class="mono">${event.verificationId ? html`<a href="/console/apps/${app.id}/verifications/${event.verificationId}">${event.verificationId}</a>` : '—'}</td><td class="mono">${event.identifierMasked ?? '—'}</td><td class="mono">${event.clientIp ?? '—'}</td><td class="mono muted">${event.details ?? ''}</td>${
            webhooks
              ? html`<td>${attemptsCell(webhooks.attempts.get(event.id) ?? [])}${
                  event.deliverable
                    ? html`<form method="post" action="/console/apps/${app.id}/events/${event.id}/resend">${csrfField(webhooks.ctx)}<button type="submit" aria-label="Resend event ${event.id}">Resend</button></form>`
                    : ''
                }</td>`
              : ''
          }</tr>`,
      )
}
</tbody></table></div>`
}

export function verificationPage(
  ctx: ConsoleContext,
  app: App,
  view: VerificationView,
  events: readonly EventEntry[],
  deliveries: readonly DeliveryView[],
): string {
  return appShell(
    ctx,
    app,
    'verifications',
    view.id,
    html`<section class="card"><h2 class="mono">${view.id}</h2><dl class="facts">
<dt>Status</dt><dd><span class="badge ${view.status}">${view.status.replaceAll('_', ' ')}</span>${view.test ? html` <span class="badge test">test recipient: nothing sent, fixed code</span>` : ''}</dd>
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
  events: readonly EventEntry[],
  attempts: ReadonlyMap<string, readonly WebhookAttemptView[]>,
  message?: Message,
): string {
  return appShell(
    ctx,
    app,
    'events',
    'Events',
    html`${alert(message)}<form method="get" class="filters card" aria-label="Filter events"><div><label for="type">Type</label><input id="type" name="type" value="${kind ?? ''}" placeholder="e.g. delivery.failed"></div><div><button class="primary" type="submit">Filter</button></div></form>
${eventsTable(app, events, { ctx, attempts })}`,
  )
}
