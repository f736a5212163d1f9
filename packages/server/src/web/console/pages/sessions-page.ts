import type { ConsoleSession } from '../../../core/console-session-service.js'
import { html } from '../../html.js'
import { alert, type ConsoleContext, csrfField, type Message, shell, when } from './layout.js'

/** Signed-in console sessions, each revocable, and "sign out everywhere". */
export function sessionsPage(
  ctx: ConsoleContext,
  sessions: readonly ConsoleSession[],
  currentId: string,
  message?: Message,
): string {
  return shell(
    ctx,
    'Sessions',
    { section: 'sessions' },
    html`<div class="page-head"><div><h1>Console sessions</h1><p class="sub">Browsers signed in to this console. A revoked session is refused at once, on every instance.</p></div></div>
${alert(message)}
<section class="card" aria-labelledby="everywhere"><h2 id="everywhere">Sign out everywhere</h2>
<p>Revokes every session, this one included. The admin key stays the same; change it too if it may have leaked.</p>
<form method="post" action="/console/sessions/revoke-all">${csrfField(ctx)}<button class="danger" type="submit">Sign out everywhere</button></form></section>
<div class="table-wrap"><table id="sessions"><thead><tr><th>Signed in (UTC)</th><th>Last seen (UTC)</th><th>Expires (UTC)</th><th>Address</th><th>Browser</th><th><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
${
  sessions.length === 0
    ? html`<tr><td colspan="6" class="empty">No active sessions.</td></tr>`
    : sessions.map(
        (session) =>
          html`<tr data-session-id="${session.id}"><td class="muted nowrap">${when(session.createdAt)}${session.id === currentId ? html` <span class="badge approved">this session</span>` : ''}</td><td class="muted nowrap">${when(session.lastSeenAt)}</td><td class="muted nowrap">${when(session.expiresAt)}</td><td class="mono">${session.clientIpMasked ?? '—'}</td><td>${session.userAgentSummary ?? '—'}</td><td><form method="post" action="/console/sessions/${session.id}/revoke">${csrfField(ctx)}<button class="danger" type="submit" aria-label="Revoke the session signed in ${when(session.createdAt)}">Revoke</button></form></td></tr>`,
      )
}
</tbody></table></div>`,
  )
}
