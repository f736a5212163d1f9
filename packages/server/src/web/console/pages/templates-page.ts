import { CHANNEL_NAMES, channelNamed } from '../../../channels/built-in-channels.js'
import type { App } from '../../../core/app-service.js'
import { SUPPORTED_LOCALES } from '../../../i18n/locale.js'
import { type Html, html } from '../../html.js'
import { extraTemplateFields, type TemplateDraft, type TemplatePreview } from '../template-drafts.js'
import { alert, appShell, type ConsoleContext, type Message } from './layout.js'

/** The template editor of an app: the draft, its preview (or why there is none) and the saved templates. */
export function templatesPage(
  ctx: ConsoleContext,
  app: App,
  editor: { draft: TemplateDraft; preview?: TemplatePreview | undefined; error?: string | undefined },
  message?: Message,
): string {
  return appShell(
    ctx,
    app,
    'templates',
    'Templates',
    html`${alert(message)}
${templatesBody(app, ctx.csrf, editor.draft, editor.preview, editor.error)}`,
    ['console.js'],
  )
}

function segmentsNote(preview: TemplatePreview | undefined): string {
  const count = preview?.smsSegments
  if (!count) return ''
  const unit = count.encoding === 'GSM-7' ? 'GSM-7 characters' : 'UCS-2 units'
  return `${count.characters} ${unit} · ${count.segments} segment${count.segments === 1 ? '' : 's'}`
}

/** The editor: the draft's form beside its preview (updated live by console.js, or by the Preview button). */
function templatesBody(
  app: App,
  csrf: string,
  draft: TemplateDraft,
  preview: TemplatePreview | undefined,
  error: string | undefined,
): Html {
  const saved = Object.entries(app.settings.templates).flatMap(([channel, byScene]) =>
    Object.entries(byScene as Record<string, Record<string, unknown>>).flatMap(([scene, byLocale]) =>
      Object.keys(byLocale).map((locale) => ({ channel, scene, locale })),
    ),
  )
  const option = (value: string, current: string) =>
    html`<option value="${value}"${value === current ? html` selected` : ''}>${value}</option>`
  const count = preview?.smsSegments
  const channel = channelNamed(draft.channel)
  const { format } = channel
  // The channel's own fields (a WhatsApp template's approved name), from its template schema.
  const extras = extraTemplateFields(draft.channel).map(
    (field) =>
      html`<div class="setting"><label for="t-${field.name}">${field.name.replaceAll('_', ' ')} (optional)</label><input id="t-${field.name}" name="${field.name}" value="${draft.extra[field.name] ?? ''}" class="mono"${field.pattern ? html` pattern="${field.pattern.replace(/^\^|\$$/g, '')}"` : ''} aria-describedby="t-${field.name}-hint">
<p class="hint" id="t-${field.name}-hint">${field.description}</p></div>`,
  )
  return html`<div class="grid two template-editor">
<form method="post" action="/console/apps/${app.id}/templates" class="card" id="template-form" data-preview-url="/console/apps/${app.id}/templates/preview">
<input type="hidden" name="csrf" value="${csrf}">
<h2>Template</h2>
<div class="filters">
<div><label for="t-channel">Channel</label><select id="t-channel" name="channel">${CHANNEL_NAMES.map((name) => option(name, draft.channel))}</select></div>
<div><label for="t-scene">Scene</label><input id="t-scene" name="scene" value="${draft.scene}" pattern="\\*|[a-z0-9-]{1,64}" aria-describedby="t-scene-hint"></div>
<div><label for="t-locale">Locale</label><select id="t-locale" name="locale">${SUPPORTED_LOCALES.map((locale) => option(locale, draft.locale))}</select></div>
</div>
<p class="hint" id="t-scene-hint"><code>*</code> applies to every scene without its own template. Placeholders: <code>{code}</code>, <code>{app_name}</code>, <code>{minutes}</code>.</p>
${format === 'mail' ? html`<div class="setting"><label for="t-subject">Subject</label><input id="t-subject" name="subject" value="${draft.subject}" maxlength="200"></div>` : ''}
<div class="setting"><label for="t-text">Text</label><textarea id="t-text" name="text" rows="${format === 'text' ? 4 : 8}" maxlength="${format === 'text' ? 1600 : 10000}" aria-describedby="t-text-hint">${draft.text}</textarea>
<p class="hint" id="t-text-hint">Leave empty to use Tessera&rsquo;s built-in text (saving an empty text removes this template).</p></div>
${format === 'mail' ? html`<div class="setting"><label for="t-html">HTML (optional)</label><textarea id="t-html" name="html" rows="6" class="mono">${draft.html}</textarea></div>` : ''}
${extras}
<div class="inline-form"><button class="secondary" type="submit" name="action" value="preview">Preview</button><button class="primary" type="submit" name="action" value="save">Save template</button></div>
</form>
<section class="card" aria-labelledby="preview-title"><h2 id="preview-title">Preview</h2>
<div id="template-preview" aria-live="polite">
${error ? html`<div class="alert error" role="alert" id="preview-error">${error}</div>` : html`<div class="alert error" role="alert" id="preview-error" hidden></div>`}
<p class="sub">Rendered with a sample code, in <strong id="preview-locale">${preview?.locale ?? draft.locale}</strong>.</p>
${format === 'mail' ? html`<p><span class="muted">Subject:</span> <strong id="preview-subject">${preview?.subject ?? ''}</strong></p>` : ''}
<pre class="message-preview" id="preview-text">${preview?.text ?? ''}</pre>
${channel.textMessage ? html`<p><span class="badge${count && count.segments > 1 ? ' failed' : ' approved'}" id="preview-segments">${segmentsNote(preview)}</span></p>` : ''}
${
  channel.spoken
    ? html`<p class="sub">Spoken, in the voice <strong id="preview-voice">${preview?.spoken?.language ?? ''}</strong>: the code character by character, the whole twice.</p>
<pre class="message-preview" id="preview-speech">${preview?.spoken?.text ?? ''}</pre>`
    : ''
}
</div></section>
</div>
<h2>Saved templates</h2>
<div class="table-wrap"><table><thead><tr><th>Channel</th><th>Scene</th><th>Locale</th><th><span class="visually-hidden">Edit</span></th></tr></thead><tbody>
${
  saved.length === 0
    ? html`<tr><td colspan="4" class="empty">None: every message uses Tessera&rsquo;s built-in texts.</td></tr>`
    : saved.map(
        (entry) =>
          html`<tr><td>${entry.channel}</td><td class="mono">${entry.scene}</td><td>${entry.locale}</td><td><a href="/console/apps/${app.id}/templates?channel=${entry.channel}&amp;scene=${encodeURIComponent(entry.scene)}&amp;locale=${entry.locale}">Edit</a></td></tr>`,
      )
}
</tbody></table></div>`
}
