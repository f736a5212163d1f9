import { html } from '../../html.js'
import { document } from './layout.js'

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
