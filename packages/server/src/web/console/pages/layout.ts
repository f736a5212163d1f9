import type { App } from '../../../core/app-service.js'
import { type Html, html } from '../../html.js'

/** What every signed-in console page knows: this response's nonce, the form token and the app list. */
export interface ConsoleContext {
  readonly nonce: string
  readonly csrf: string
  readonly apps: readonly App[]
}

/** A notice above a page's content. */
export type Message = { readonly kind: 'error' | 'ok'; readonly text: string } | undefined

export type AppTab = 'dashboard' | 'verifications' | 'events' | 'webhooks' | 'keys' | 'settings' | 'templates'

/** The operator pages outside any app. */
export type OperatorSection = 'signing-keys' | 'sessions'

export const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19)

/** The HTML document around a page: the stylesheet and scripts by this response's nonce. */
export function document(ctx: { nonce: string }, title: string, body: Html, scripts: readonly string[] = []): string {
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

/** A signed-in page: the sidebar (apps, operator pages, sign out) beside `main`. */
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

/** An app's page: the sidebar, the app's name and its tabs above `main`. */
export function appShell(
  ctx: ConsoleContext,
  app: App,
  tab: AppTab,
  title: string,
  main: Html,
  scripts: readonly string[] = [],
): string {
  return shell(ctx, `${app.name} · ${title}`, { appId: app.id }, html`${appHeader(app, tab)}\n${main}`, scripts)
}

function appHeader(app: App, tab: AppTab): Html {
  const tabs: [AppTab, string, string][] = [
    ['dashboard', 'Dashboard', ''],
    ['verifications', 'Verifications', '/verifications'],
    ['events', 'Events', '/events'],
    ['webhooks', 'Webhooks', '/webhooks'],
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
