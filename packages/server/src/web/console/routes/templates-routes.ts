import type { FastifyPluginAsync } from 'fastify'
import type { AppService } from '../../../core/app-service.js'
import { AppError } from '../../../errors/app-error.js'
import { formField } from '../../page-security.js'
import { templatesPage } from '../pages/templates-page.js'
import { appOf, page, pageOf, renderAppErrors, see } from '../signed-in.js'
import { draftFrom, previewDraft, saveDraft, type TemplatePreview } from '../template-drafts.js'

/** An app's message templates: the editor, saving, and the live preview console.js asks for. */
export function templatesRoutes(deps: { apps: Pick<AppService, 'checkSettings' | 'updateApp'> }): FastifyPluginAsync {
  const { apps } = deps
  return async (scope) => {
    // A draft that cannot be saved or previewed comes back in the editor with the reason.
    renderAppErrors(scope, (reply, error, ctx, app, request) =>
      page(
        reply,
        ctx,
        templatesPage(ctx, app, { draft: draftFrom(app, request.body, false), error: error.message }),
        error.status,
      ),
    )

    scope.get<{ Querystring: Record<string, string | undefined> }>(
      '/templates',
      { schema: { hide: true } },
      async (request, reply) => {
        const ctx = pageOf(request)
        const app = appOf(request)
        const draft = draftFrom(app, request.query, true)
        // A saved template the app's settings no longer accept still opens, with the reason beside it.
        let preview: TemplatePreview | undefined
        let error: string | undefined
        try {
          preview = previewDraft(apps, app, draft)
        } catch (caught) {
          if (!(caught instanceof AppError)) throw caught
          error = caught.message
        }
        const message = request.query.saved === '1' ? { kind: 'ok' as const, text: 'Template saved.' } : undefined
        return page(reply, ctx, templatesPage(ctx, app, { draft, preview, error }, message))
      },
    )

    scope.post('/templates', { schema: { hide: true } }, async (request, reply) => {
      const app = appOf(request)
      const draft = draftFrom(app, request.body, false)
      if (formField(request.body, 'action') === 'save') {
        await saveDraft(apps, app, draft)
        const query = new URLSearchParams({ channel: draft.channel, scene: draft.scene, locale: draft.locale })
        return see(reply, `/console/apps/${app.id}/templates?${query}&saved=1`)
      }
      const ctx = pageOf(request)
      return page(reply, ctx, templatesPage(ctx, app, { draft, preview: previewDraft(apps, app, draft) }))
    })

    // The live preview (console.js): the same function, answered as JSON, errors in the contract's body.
    scope.post(
      '/templates/preview',
      { schema: { hide: true }, config: { jsonErrors: true } },
      async (request, reply) => {
        const preview = previewDraft(apps, appOf(request), draftFrom(appOf(request), request.body, false))
        return reply.header('cache-control', 'no-store').send({
          locale: preview.locale,
          subject: preview.subject,
          text: preview.text,
          html: preview.html,
          ...(preview.smsSegments ? { sms_segments: preview.smsSegments } : {}),
          ...(preview.spoken ? { spoken: preview.spoken } : {}),
        })
      },
    )
  }
}
