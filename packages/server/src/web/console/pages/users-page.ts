import type { App } from '../../../core/app-service.js'
import type { FactorView } from '../../../core/factor.js'
import { html } from '../../html.js'
import { alert, appShell, type ConsoleContext, csrfField, type Message, when } from './layout.js'

const yesNo = (value: unknown) => (value === true ? 'yes' : value === false ? 'no' : '—')

/**
 * The support desk: one user's factors — passkeys with their name, the authenticator their AAGUID names, last
 * use, backup state and any flag — and a Remove button for each (recorded as an event, as over the admin API).
 */
export function usersPage(
  ctx: ConsoleContext,
  app: App,
  view: { userId: string; factors: readonly FactorView[] | undefined; message?: Message | undefined },
): string {
  const { userId, factors } = view
  return appShell(
    ctx,
    app,
    'users',
    'Users',
    html`${alert(view.message)}
<section class="card" aria-labelledby="find-user"><h2 id="find-user">A user&rsquo;s factors</h2>
<form method="get" action="/console/apps/${app.id}/users" class="inline-form">
<div class="field"><label for="user-id">User id</label><input id="user-id" name="user_id" maxlength="128" value="${userId}" required spellcheck="false"></div>
<button class="primary" type="submit">Show factors</button></form></section>
${
  factors === undefined
    ? ''
    : html`<div class="table-wrap"><table><caption class="visually-hidden">Factors of ${userId}</caption><thead><tr><th>Type</th><th>Name</th><th>Status</th><th>Authenticator</th><th>Backed up</th><th>Last used (UTC)</th><th>Created (UTC)</th><th>Flag</th><th><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
${
  factors.length === 0
    ? html`<tr><td colspan="9" class="empty">No factors for this user.</td></tr>`
    : factors.map((factor) => {
        const details = factor.details ?? {}
        const name = factor.label ?? factor.toMasked ?? '—'
        return html`<tr><td>${factor.type}</td><td>${name}</td><td><span class="badge ${factor.status === 'active' ? 'approved' : 'pending'}">${factor.status}</span>${factor.lockedUntil === null ? '' : html` <span class="badge revoked">locked</span>`}</td><td>${typeof details.authenticator === 'string' ? details.authenticator : '—'}</td><td>${yesNo(details.backed_up)}</td><td class="muted">${factor.lastUsedAt === null ? 'never' : when(factor.lastUsedAt)}</td><td class="muted">${when(factor.createdAt)}</td><td>${factor.flagReason === null ? '' : html`<span class="badge revoked" title="flagged ${factor.flaggedAt === null ? '' : when(factor.flaggedAt)}">${factor.flagReason}</span>`}</td><td><form method="post" action="/console/apps/${app.id}/users/${encodeURIComponent(userId)}/factors/${factor.id}/remove">${csrfField(ctx)}<button class="danger" type="submit" aria-label="Remove ${factor.type} ${name}">Remove</button></form></td></tr>`
      })
}
</tbody></table></div>`
}`,
  )
}
