import { CHANNEL_NAMES, channelNamed, findChannel } from '../../channels/built-in-channels.js'
import type { App, AppService } from '../../core/app-service.js'
import { previewMessage } from '../../delivery/templates/template-warnings.js'
import { AppError } from '../../errors/app-error.js'
import { SUPPORTED_LOCALES } from '../../i18n/locale.js'
import type { AppSettings, ChannelName } from '../../settings/app-settings.js'
import { formField } from '../page-security.js'

/** The template being edited: where it lives (channel, scene, locale) and its texts. */
export interface TemplateDraft {
  readonly channel: ChannelName
  /** A scene name, or `*` for every scene. */
  readonly scene: string
  readonly locale: string
  readonly subject: string
  readonly text: string
  readonly html: string
  /** The channel's own template fields beside its texts (a WhatsApp template's `template_name`), as typed. */
  readonly extra: Readonly<Record<string, string>>
}

export interface TemplatePreview {
  readonly locale: string
  readonly subject: string
  readonly text: string
  readonly html: string
  readonly smsSegments?: { encoding: string; segments: number; characters: number } | undefined
  /** A spoken channel's script as the voice says it, and the voice's language. */
  readonly spoken?: { readonly language: string; readonly text: string } | undefined
}

/** The fields every format knows; anything else a channel's template schema holds is its own (`extra`). */
const TEXT_FIELDS = new Set(['subject', 'text', 'html'])

/** A channel's own template fields: string properties of its template schema beside the texts. */
export function extraTemplateFields(
  channel: ChannelName,
): ReadonlyArray<{ readonly name: string; readonly description: string; readonly pattern?: string }> {
  const properties = (channelNamed(channel).templateSchema.properties ?? {}) as Record<
    string,
    { type?: string; description?: string; pattern?: string }
  >
  return Object.entries(properties)
    .filter(([name, schema]) => !TEXT_FIELDS.has(name) && schema.type === 'string')
    .map(([name, schema]) => ({
      name,
      description: schema.description ?? '',
      ...(schema.pattern ? { pattern: schema.pattern } : {}),
    }))
}

const SCENE_KEY = /^(\*|[a-z0-9-]{1,64})$/

/** The draft a form (or the editor's query string) names; the saved template fills what it omits. */
export function draftFrom(app: App, source: unknown, fillSaved: boolean): TemplateDraft {
  const requestedChannel = formField(source, 'channel') ?? ''
  // An unknown or missing channel opens the first one.
  const channel = (findChannel(requestedChannel) ? requestedChannel : CHANNEL_NAMES[0]) as ChannelName
  const scene = formField(source, 'scene')?.trim() || '*'
  const requested = formField(source, 'locale') ?? app.settings.default_locale
  const locale = (SUPPORTED_LOCALES as readonly string[]).includes(requested) ? requested : 'en'
  const saved = savedTemplate(app.settings, channel, scene, locale)
  const field = (name: 'subject' | 'text' | 'html') => {
    const value = formField(source, name)
    return value === undefined && fillSaved ? (saved?.[name] ?? '') : (value ?? '')
  }
  const extra: Record<string, string> = {}
  for (const { name } of extraTemplateFields(channel)) {
    const value = formField(source, name)
    extra[name] = (value === undefined && fillSaved ? saved?.[name] : value)?.trim() ?? ''
  }
  return { channel, scene, locale, subject: field('subject'), text: field('text'), html: field('html'), extra }
}

function savedTemplate(
  settings: AppSettings,
  channel: ChannelName,
  scene: string,
  locale: string,
): Readonly<Record<string, string>> | undefined {
  const byScene = settings.templates[channel] as Record<string, Record<string, Record<string, string>>>
  return byScene[scene]?.[locale]
}

function templateOf(draft: TemplateDraft): Record<string, string> {
  const extra = Object.fromEntries(Object.entries(draft.extra).filter(([, value]) => value !== ''))
  if (channelNamed(draft.channel).format === 'text') return { text: draft.text, ...extra }
  return { subject: draft.subject, text: draft.text, ...(draft.html.trim() ? { html: draft.html } : {}) }
}

/**
 * The draft rendered with a sample code, as the message would go out: the
 * same core function as POST /admin/v1/apps/{app_id}/templates/preview (the
 * draft validated with the app's settings first). An empty text previews
 * Tessera's built-in message.
 */
export function previewDraft(apps: Pick<AppService, 'checkSettings'>, app: App, draft: TemplateDraft): TemplatePreview {
  if (!SCENE_KEY.test(draft.scene)) throw new AppError('invalid_request', { message: 'The scene is not valid.' })
  let settings = app.settings
  if (draft.text.trim() !== '') {
    settings = apps.checkSettings({
      ...settings,
      templates: Object.assign({}, settings.templates, {
        [draft.channel]: { [draft.scene]: { [draft.locale]: templateOf(draft) } },
      }),
    })
  }
  const preview = previewMessage(settings, app.name, {
    channel: draft.channel,
    scene: draft.scene === '*' ? 'verify-identifier' : draft.scene,
    locale: draft.locale,
  })
  return {
    locale: preview.locale,
    subject: preview.subject,
    text: preview.text,
    html: preview.html,
    smsSegments: preview.sms,
    ...(preview.speech ? { spoken: { language: preview.speech.language, text: preview.speech.text } } : {}),
  }
}

/** Saves the draft as the app's template (or, with an empty text, removes it). */
export async function saveDraft(apps: Pick<AppService, 'updateApp'>, app: App, draft: TemplateDraft): Promise<void> {
  if (!SCENE_KEY.test(draft.scene)) throw new AppError('invalid_request', { message: 'The scene is not valid.' })
  const value = draft.text.trim() === '' ? null : templateOf(draft)
  await apps.updateApp(app.id, {
    settings: { templates: { [draft.channel]: { [draft.scene]: { [draft.locale]: value } } } },
  })
}
