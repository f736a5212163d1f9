import type { FastifyPluginAsync } from 'fastify'
import type { AppService } from '../../../core/app-service.js'
import { AppError, type FieldProblem } from '../../../errors/app-error.js'
import { formField } from '../../page-security.js'
import { settingsPage } from '../pages/settings-page.js'
import { type SettingsForm, settingsFromForm } from '../settings-form.js'
import { appOf, page, pageOf, renderAppErrors, see } from '../signed-in.js'

const FIELDS_MARKED = 'Some settings are not valid; see the fields marked below.'

/** The settings form's problems by setting path (`channels.sms.code_length`): the first for each field. */
function fieldErrors(problems: readonly FieldProblem[]): Map<string, string> {
  const errors = new Map<string, string>()
  for (const problem of problems) {
    if (!problem.path.startsWith('settings.')) continue
    const path = problem.path.slice('settings.'.length)
    if (!errors.has(path)) errors.set(path, problem.message)
  }
  return errors
}

const formOf = (body: unknown) => (body ?? {}) as SettingsForm

/** An app's settings (the form generated from the schema) and its name. */
export function settingsRoutes(deps: { apps: Pick<AppService, 'updateApp' | 'maskSettings'> }): FastifyPluginAsync {
  const { apps } = deps
  return async (scope) => {
    await scope.register(async (form) => {
      // A refused form comes back as submitted, each problem beside its field (the error carries them).
      renderAppErrors(form, (reply, error, ctx, app, request) => {
        const errors = fieldErrors(error.problems)
        const { settings } = settingsFromForm(formOf(request.body))
        const message = { kind: 'error' as const, text: errors.size > 0 ? FIELDS_MARKED : error.message }
        return page(reply, ctx, settingsPage(ctx, app, settings, errors, message), error.status)
      })

      form.get<{ Querystring: { saved?: string } }>('/settings', { schema: { hide: true } }, async (request, reply) => {
        const ctx = pageOf(request)
        const app = appOf(request)
        const message =
          request.query.saved === '1'
            ? { kind: 'ok' as const, text: 'Settings saved.' }
            : request.query.saved === 'name'
              ? { kind: 'ok' as const, text: 'App renamed.' }
              : undefined
        // Provider secrets show masked; sent back masked, they keep the stored secret.
        return page(reply, ctx, settingsPage(ctx, app, apps.maskSettings(app.settings), new Map(), message))
      })

      form.post('/settings', { schema: { hide: true } }, async (request, reply) => {
        const app = appOf(request)
        const { settings, jsonErrors } = settingsFromForm(formOf(request.body))
        if (jsonErrors.size > 0) {
          const problems = [...jsonErrors].map(([path, message]) => ({ path: `settings.${path}`, message }))
          throw new AppError('invalid_request', { message: FIELDS_MARKED, problems })
        }
        // The admin API's path: merged, then validated as a whole; a refusal names each setting at fault.
        await apps.updateApp(app.id, { settings })
        return see(reply, `/console/apps/${app.id}/settings?saved=1`)
      })
    })

    await scope.register(async (rename) => {
      renderAppErrors(rename, (reply, error, ctx, app) =>
        page(
          reply,
          ctx,
          settingsPage(ctx, app, apps.maskSettings(app.settings), new Map(), { kind: 'error', text: error.message }),
          error.status,
        ),
      )

      rename.post('/rename', { schema: { hide: true } }, async (request, reply) => {
        const app = appOf(request)
        await apps.updateApp(app.id, { name: formField(request.body, 'name') ?? '' })
        return see(reply, `/console/apps/${app.id}/settings?saved=name`)
      })
    })
  }
}
