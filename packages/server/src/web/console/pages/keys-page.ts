import type { ApiKeySummary, App, CreatedApiKey } from '../../../core/app-service.js'
import { html } from '../../html.js'
import { alert, appShell, type ConsoleContext, csrfField, type Message, when } from './layout.js'

export function keysPage(
  ctx: ConsoleContext,
  app: App,
  keys: readonly ApiKeySummary[],
  created?: CreatedApiKey,
  message?: Message,
): string {
  return appShell(
    ctx,
    app,
    'keys',
    'API keys',
    html`${alert(message)}
${
  created
    ? html`<section class="card" aria-labelledby="new-key"><h2 id="new-key">New key &ldquo;${created.name}&rdquo;</h2>
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
          html`<tr><td>${key.name}</td><td class="mono">${key.prefix}&hellip;</td><td class="muted">${when(key.createdAt)}</td><td>${key.revokedAt === null ? html`<span class="badge approved">active</span>` : html`<span class="badge revoked">revoked</span>`}</td><td>${
            key.revokedAt === null
              ? html`<form method="post" action="/console/apps/${app.id}/keys/${key.id}/revoke">${csrfField(ctx)}<button class="danger" type="submit" aria-label="Revoke key ${key.name}">Revoke</button></form>`
              : ''
          }</td></tr>`,
      )
}
</tbody></table></div>`,
  )
}
