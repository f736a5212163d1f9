import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { channelNamed } from '../../../channels/built-in-channels.js'
import { accountSidOf } from '../../../core/account-sid.js'
import type { App, AppService } from '../../../core/app-service.js'
import { previewMessage, templateWarnings } from '../../../delivery/templates/template-warnings.js'
import { weakSettingWarnings } from '../../../settings/settings-warnings.js'
import { ChannelNameSchema } from '../../channel-schema.js'
import { iso, withErrors } from '../../schemas.js'

const AppId = Type.String({ minLength: 1, maxLength: 64 })
const SettingsInput = Type.Object({}, { additionalProperties: true, description: 'A (partial) AppSettings object.' })

const AppSchema = Type.Object(
  {
    app_id: Type.String(),
    account_sid: Type.String({
      description: 'The user name of the Twilio-compatible API (`AC` + 32 hex; docs/twilio-compat.md). Stable.',
    }),
    name: Type.String(),
    settings: Type.Object({}, { additionalProperties: true }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    warnings: Type.Array(
      Type.Object({
        path: Type.String({ description: 'Where, from the app object: `settings.channels.sms.code_length`.' }),
        setting: Type.Optional(
          Type.String({
            description:
              'For a setting below NIST SP 800-63B: its dotted path inside `settings` (`channels.sms.code_length`).',
          }),
        ),
        code: Type.String({
          description:
            '`code_too_short`, `code_ttl_too_long`, `max_attempts_too_high`, `failed_checks_budget_too_high`, `factor_lockout_too_lenient`, `custom_code_allowed`, `sms_multiple_segments`.',
        }),
        message: Type.String(),
      }),
      {
        description:
          'What is saved but deserves a look: settings below NIST SP 800-63B (docs/security.md), an SMS template over one segment. Empty when none.',
      },
    ),
  },
  { $id: 'App' },
)

const PreviewBody = Type.Object(
  {
    channel: ChannelNameSchema,
    scene: Type.String({ pattern: '^[a-z0-9-]{1,64}$', default: 'verify-identifier' }),
    locale: Type.Optional(Type.String({ minLength: 1, maxLength: 35 })),
    template: Type.Optional(
      Type.Object(
        {
          subject: Type.Optional(Type.String({ maxLength: 200 })),
          text: Type.String({ minLength: 1, maxLength: 10_000 }),
          html: Type.Optional(Type.String({ maxLength: 100_000 })),
        },
        { additionalProperties: false, description: 'A draft to render instead of the saved template.' },
      ),
    ),
  },
  { additionalProperties: false },
)

export { AppSchema }

export function adminAppRoutes(service: AppService): FastifyPluginAsyncTypebox {
  function present(app: App) {
    return {
      app_id: app.id,
      account_sid: accountSidOf(app.id),
      name: app.name,
      settings: service.maskSettings(app.settings),
      created_at: iso(app.createdAt),
      updated_at: iso(app.updatedAt),
      warnings: [
        ...weakSettingWarnings(app.settings).map((warning) => ({ path: `settings.${warning.setting}`, ...warning })),
        ...templateWarnings(app.settings, app.name),
      ],
    }
  }

  return async (server) => {
    server.post(
      '/admin/v1/apps',
      {
        schema: {
          tags: ['admin'],
          summary: 'Create an app',
          body: Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 100 }), settings: Type.Optional(SettingsInput) },
            { additionalProperties: false },
          ),
          response: withErrors({ 201: Type.Ref('App') }),
        },
      },
      async (request, reply) => {
        const app = await service.createApp({ name: request.body.name, settings: request.body.settings })
        return reply.status(201).send(present(app))
      },
    )

    server.get(
      '/admin/v1/apps',
      {
        schema: {
          tags: ['admin'],
          summary: 'List apps',
          querystring: Type.Object(
            {
              limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
              after: Type.Optional(Type.String({ maxLength: 64, description: 'Continue after this app_id.' })),
            },
            { additionalProperties: false },
          ),
          response: withErrors({
            200: Type.Object({
              apps: Type.Array(Type.Ref('App')),
              next_after: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
        },
      },
      async (request) => {
        const apps = await service.listApps({ limit: request.query.limit, after: request.query.after })
        const last = apps.at(-1)
        return { apps: apps.map(present), next_after: apps.length === request.query.limit && last ? last.id : null }
      },
    )

    server.get(
      '/admin/v1/apps/:app_id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Read an app',
          params: Type.Object({ app_id: AppId }),
          response: withErrors({ 200: Type.Ref('App') }, 404),
        },
      },
      async (request) => present(await service.getApp(request.params.app_id)),
    )

    server.patch(
      '/admin/v1/apps/:app_id',
      {
        schema: {
          tags: ['admin'],
          summary: 'Rename an app or change settings (deep-merged, validated)',
          params: Type.Object({ app_id: AppId }),
          body: Type.Object(
            {
              name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
              settings: Type.Optional(SettingsInput),
            },
            { additionalProperties: false },
          ),
          response: withErrors({ 200: Type.Ref('App') }, 404),
        },
      },
      async (request) =>
        present(
          await service.updateApp(request.params.app_id, { name: request.body.name, settings: request.body.settings }),
        ),
    )

    server.post(
      '/admin/v1/apps/:app_id/templates/preview',
      {
        schema: {
          tags: ['admin'],
          summary: 'Render a message as it would go out (a sample code), with the SMS segment count',
          params: Type.Object({ app_id: AppId }),
          body: PreviewBody,
          response: withErrors(
            {
              200: Type.Object({
                locale: Type.String(),
                subject: Type.String(),
                text: Type.String(),
                html: Type.String(),
                sms_segments: Type.Optional(
                  Type.Object({
                    encoding: Type.Union([Type.Literal('GSM-7'), Type.Literal('UCS-2')]),
                    segments: Type.Integer(),
                    characters: Type.Integer(),
                  }),
                ),
              }),
            },
            404,
          ),
        },
      },
      async (request) => {
        const app = await service.getApp(request.params.app_id)
        const { channel, scene, locale, template } = request.body
        let settings = app.settings
        if (template) {
          // The draft stands in for every template of this channel, under the requested locale (or the default).
          const draftLocale = locale ?? settings.default_locale
          const draft =
            channelNamed(channel).format === 'text'
              ? { text: template.text }
              : {
                  subject: template.subject ?? '{app_name}',
                  text: template.text,
                  ...(template.html ? { html: template.html } : {}),
                }
          settings = service.checkSettings({
            ...settings,
            templates: Object.assign({}, settings.templates, { [channel]: { [scene]: { [draftLocale]: draft } } }),
          })
        }
        const preview = previewMessage(settings, app.name, { channel, scene, locale })
        return {
          locale: preview.locale,
          subject: preview.subject,
          text: preview.text,
          html: preview.html,
          ...(preview.sms ? { sms_segments: preview.sms } : {}),
        }
      },
    )
  }
}
