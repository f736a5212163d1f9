import type { SigningKeySummary } from '../../../core/signing-key-ring.js'
import { html } from '../../html.js'
import { alert, type ConsoleContext, csrfField, type Message, shell, when } from './layout.js'

/** The token signing keys, with rotate and per-key revoke (the admin API's operations, as forms). */
export function signingKeysPage(ctx: ConsoleContext, keys: readonly SigningKeySummary[], message?: Message): string {
  const badge = (key: SigningKeySummary) =>
    key.status === 'active'
      ? html`<span class="badge approved">active</span>`
      : key.status === 'retired'
        ? html`<span class="badge">retired</span>`
        : html`<span class="badge revoked">revoked</span>`
  return shell(
    ctx,
    'Signing keys',
    { section: 'signing-keys' },
    html`<div class="page-head"><div><h1>Signing keys</h1><p class="sub">Ed25519 keys that sign verification tokens; their public halves are published at <a href="/.well-known/jwks.json">/.well-known/jwks.json</a>.</p></div></div>
${alert(message)}
<section class="card" aria-labelledby="rotate-key"><h2 id="rotate-key">Rotate</h2>
<p>A new key signs from now on; older keys stay published until the tokens they signed have expired.</p>
<form method="post" action="/console/signing-keys/rotate">${csrfField(ctx)}<button class="primary" type="submit">Rotate now</button></form></section>
<section class="card" aria-labelledby="revoke-help"><h2 id="revoke-help">Revoke</h2>
<p>For a key that may have leaked: it leaves the JWKS at once and every token it signed is refused (<code>reason: "revoked"</code>). Revoking the active key first makes a new one active.</p></section>
<div class="table-wrap"><table><thead><tr><th>Key id (kid)</th><th>Status</th><th>In JWKS</th><th>Created (UTC)</th><th>Retired (UTC)</th><th>Revoked (UTC)</th><th><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
${
  keys.length === 0
    ? html`<tr><td colspan="7" class="empty">No signing keys.</td></tr>`
    : keys.map(
        (key) =>
          html`<tr><td class="mono">${key.kid}${key.signing ? html` <span class="badge pending">signing</span>` : ''}</td><td>${badge(key)}</td><td>${key.published ? 'yes' : 'no'}</td><td class="muted nowrap">${when(key.createdAt)}</td><td class="muted nowrap">${key.retiredAt === null ? '—' : when(key.retiredAt)}</td><td class="muted nowrap">${key.revokedAt === null ? '—' : when(key.revokedAt)}</td><td>${
            key.status === 'revoked'
              ? ''
              : html`<form method="post" action="/console/signing-keys/${key.kid}/revoke">${csrfField(ctx)}<button class="danger" type="submit" aria-label="Revoke signing key ${key.kid}">Revoke</button></form>`
          }</td></tr>`,
      )
}
</tbody></table></div>`,
  )
}
