import type { App } from '../../../core/app-service.js'
import type { WebhookEndpointView } from '../../../core/webhooks/webhook-service.js'
import { html } from '../../html.js'
import { alert, appShell, type ConsoleContext, csrfField, type Message, when } from './layout.js'

/** A secret to show once: a new endpoint's, or a rotated one's. */
export interface ShownSecret {
  readonly endpoint: WebhookEndpointView
  readonly secret: string
  readonly rotated: boolean
}

function status(endpoint: WebhookEndpointView) {
  if (!endpoint.enabled) {
    return endpoint.disabledReason
      ? html`<span class="badge failed">disabled: failing for 5 days</span>`
      : html`<span class="badge revoked">disabled</span>`
  }
  if (endpoint.failingSince !== null)
    return html`<span class="badge failed">failing since ${when(endpoint.failingSince)}</span>`
  return html`<span class="badge approved">enabled</span>`
}

/** An app's webhook endpoints: the list with their actions, and the form that adds one. */
export function webhooksPage(
  ctx: ConsoleContext,
  app: App,
  endpoints: readonly WebhookEndpointView[],
  options: { shown?: ShownSecret | undefined; message?: Message } = {},
): string {
  const base = `/console/apps/${app.id}/webhooks`
  const { shown } = options
  return appShell(
    ctx,
    app,
    'webhooks',
    'Webhooks',
    html`${alert(options.message)}
${
  shown
    ? html`<section class="card" aria-labelledby="new-secret"><h2 id="new-secret">${shown.rotated ? 'New signing secret' : 'Endpoint added'}: ${shown.endpoint.url}</h2>
<p>Copy the signing secret now: it is shown only once.${shown.rotated ? ' The previous secret keeps signing beside it for 24 hours.' : ''}</p>
<div class="secret mono" id="webhook-secret">${shown.secret}</div></section>`
    : ''
}
<section class="card" aria-labelledby="add-webhook"><h2 id="add-webhook">Add an endpoint</h2>
<p class="muted">Events are POSTed signed (Standard Webhooks): https, or http on this machine. Up to 10 endpoints.</p>
<form method="post" action="${base}" class="inline-form">${csrfField(ctx)}
<div class="field"><label for="webhook-url">URL</label><input id="webhook-url" name="url" type="url" maxlength="2048" placeholder="https://api.example.com/tessera-events" required></div>
<div class="field"><label for="webhook-events">Events</label><input id="webhook-events" name="events" maxlength="2000" value="*" placeholder="* or verification.approved, factor.*"></div>
<div class="field"><label for="webhook-description">Description</label><input id="webhook-description" name="description" maxlength="500"></div>
<button class="primary" type="submit">Add endpoint</button></form></section>
<div class="table-wrap"><table><thead><tr><th>URL</th><th>Events</th><th>Description</th><th>Status</th><th>Created (UTC)</th><th><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
${
  endpoints.length === 0
    ? html`<tr><td colspan="6" class="empty">No endpoints yet.</td></tr>`
    : endpoints.map(
        (endpoint) =>
          html`<tr data-webhook-id="${endpoint.id}"><td class="mono">${endpoint.url}<div class="muted">${endpoint.id}</div></td><td class="mono">${endpoint.events.join(', ')}</td><td>${endpoint.description ?? ''}</td><td>${status(endpoint)}</td><td class="muted nowrap">${when(endpoint.createdAt)}</td><td class="nowrap">
<form method="post" action="${base}/${endpoint.id}/${endpoint.enabled ? 'disable' : 'enable'}">${csrfField(ctx)}<button type="submit" aria-label="${endpoint.enabled ? 'Disable' : 'Enable'} ${endpoint.url}">${endpoint.enabled ? 'Disable' : 'Enable'}</button></form>
<form method="post" action="${base}/${endpoint.id}/rotate">${csrfField(ctx)}<button type="submit" aria-label="Rotate secret of ${endpoint.url}">Rotate secret</button></form>
<form method="post" action="${base}/${endpoint.id}/delete">${csrfField(ctx)}<button class="danger" type="submit" aria-label="Delete ${endpoint.url}">Delete</button></form></td></tr>`,
      )
}
</tbody></table></div>`,
  )
}
