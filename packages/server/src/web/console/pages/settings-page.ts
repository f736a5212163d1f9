import type { App } from '../../../core/app-service.js'
import { weakSettingWarnings } from '../../../settings/settings-warnings.js'
import { type Html, html } from '../../html.js'
import { settingsFormFields, weakSettingsNotice } from '../settings-form.js'
import { alert, appShell, type ConsoleContext, csrfField, type Message } from './layout.js'

export function settingsPage(
  ctx: ConsoleContext,
  app: App,
  values: unknown,
  errors: ReadonlyMap<string, string>,
  message?: Message,
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
  return appShell(
    ctx,
    app,
    'settings',
    'Settings',
    html`${alert(message)}
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
