import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { summarizeActivity } from '../../core/activity-stats.js'
import type { App } from '../../core/app-service.js'
import { createConsoleSessionService } from '../../core/console-session-service.js'
import { rateLimitedError } from '../../core/limit-error.js'
import { AppError } from '../../errors/app-error.js'
import { mergeSettings } from '../../settings/merge-patch.js'
import { settingsProblems } from '../../settings/resolve-settings.js'
import { SOURCE_ROOT } from '../../source-root.js'
import type { VerificationStatus } from '../../storage/database.js'
import { addFormParser, cookiesOf, formField, isSecureRequest, newNonce, sendPage } from '../page-security.js'
import { createConsoleAuth } from './console-auth.js'
import type { ConsoleDeps } from './console-deps.js'
import { sessionsPage, signingKeysPage } from './console-operator-pages.js'
import {
  appsPage,
  type ConsoleContext,
  dashboardPage,
  eventsPage,
  keysPage,
  settingsPage,
  signInPage,
  templatesPage,
  type VerificationFilterForm,
  verificationPage,
  verificationsPage,
} from './console-pages.js'
import { draftFrom, previewDraft, saveDraft, type TemplatePreview, templatesBody } from './console-templates.js'
import { type SettingsForm, settingsFromForm } from './settings-form.js'

const RANGES: Record<string, { spanMs: number; bucketMs: number }> = {
  '24h': { spanMs: 86_400_000, bucketMs: 3_600_000 },
  '7d': { spanMs: 7 * 86_400_000, bucketMs: 86_400_000 },
  '30d': { spanMs: 30 * 86_400_000, bucketMs: 86_400_000 },
}
const STATUSES = new Set<VerificationStatus>(['pending', 'approved', 'expired', 'canceled', 'max_attempts_reached'])

type Params = { app_id: string }

/**
 * The operator console at /console: server-rendered pages over the same
 * services as the admin API (app service, verification service, event log).
 */
export async function registerConsoleRoutes(server: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const css = readFileSync(join(SOURCE_ROOT, 'web', 'assets', 'console.css'))
  const js = readFileSync(join(SOURCE_ROOT, 'web', 'assets', 'console.js'))
  const sessions = createConsoleSessionService({
    store: deps.store,
    clock: deps.clock,
    key: deps.consoleKey,
    events: deps.events,
  })
  const auth = createConsoleAuth({ key: deps.consoleKey, sessions })

  await server.register(async (scope) => {
    addFormParser(scope)
    scope.get('/console/assets/console.css', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
    )
    scope.get('/console/assets/console.js', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .send(js),
    )

    const secure = (request: FastifyRequest) => isSecureRequest(request, deps.currentPublicUrl())
    const see = (reply: FastifyReply, location: string) => reply.status(303).header('location', location).send()

    /** Pages for signed-in operators: anyone else goes to the sign-in page. */
    async function signedIn(
      request: FastifyRequest,
      reply: FastifyReply,
      work: (ctx: ConsoleContext, sessionId: string) => Promise<FastifyReply>,
      options: { form?: boolean } = {},
    ): Promise<FastifyReply> {
      // Read from the database on every request: a session revoked or expired anywhere is refused here at once.
      const current = await auth.session(cookiesOf(request))
      if (!current) return see(reply, '/console/sign-in')
      if (options.form && !auth.isValidCsrf(current.secret, formField(request.body, 'csrf'))) {
        return sendPage(reply, 'Form expired: go back, reload and try again.', { nonce: newNonce(), status: 403 })
      }
      const apps = await deps.apps.listApps({ limit: 200 })
      return work({ nonce: newNonce(), csrf: auth.csrfFor(current.secret), apps }, current.session.id)
    }

    const page = (reply: FastifyReply, ctx: { nonce: string }, body: string, status = 200) =>
      sendPage(reply, body, { nonce: ctx.nonce, status })

    async function loadApp(ctx: ConsoleContext, appId: string): Promise<App | undefined> {
      return ctx.apps.find((app) => app.id === appId) ?? (await deps.apps.getApp(appId).catch(() => undefined))
    }

    function notFound(reply: FastifyReply, ctx: ConsoleContext) {
      return page(reply, ctx, appsPage(ctx, { kind: 'error', text: 'No such app.' }), 404)
    }

    scope.get('/console', { schema: { hide: true } }, async (request, reply) =>
      signedIn(request, reply, async (ctx) =>
        see(reply, ctx.apps[0] ? `/console/apps/${ctx.apps[0].id}` : '/console/apps'),
      ),
    )

    // Sign-in: the form itself carries a CSRF token bound to a pre-session cookie (login CSRF).
    scope.get('/console/sign-in', { schema: { hide: true } }, async (request, reply) => {
      const pre = auth.preSession(cookiesOf(request), secure(request), reply)
      const ctx = { nonce: newNonce(), csrf: auth.csrfFor(pre) }
      return page(reply, ctx, signInPage(ctx))
    })

    scope.post('/console/sign-in', { schema: { hide: true } }, async (request, reply) => {
      const cookies = cookiesOf(request)
      const preCookie = cookies.get(auth.preCookieName)
      const key = formField(request.body, 'admin_key') ?? ''
      const refused = (error: string, status: number) => {
        const pre = auth.preSession(cookies, secure(request), reply)
        const ctx = { nonce: newNonce(), csrf: auth.csrfFor(pre) }
        return page(reply, ctx, signInPage(ctx, error), status)
      }
      if (!auth.isValidCsrf(preCookie, formField(request.body, 'csrf'))) {
        return refused('The form expired; sign in again.', 403)
      }
      // The failure budget is claimed before the key is compared, so parallel guesses cannot outrun it (on
      // every instance, when limits live in Redis); a right key gives its point back.
      const budget = auth.signInBucket(request.ip)
      const decision = await deps.limits.take([budget])
      if (!decision.ok) {
        const error = rateLimitedError(decision)
        void reply.header('retry-after', String(decision.retryAfterSeconds)).headers(error.headers ?? {})
        if (wantsJson(request)) {
          return reply.status(error.status).header('cache-control', 'no-store').send(error.toBody())
        }
        const pre = auth.preSession(cookies, secure(request), reply)
        const ctx = { nonce: newNonce(), csrf: auth.csrfFor(pre) }
        return page(
          reply,
          ctx,
          signInPage(ctx, throttledMessage(decision.retryAfterSeconds), decision.retryAfterSeconds),
          429,
        )
      }
      if (!deps.apps.isAdminKey(key)) {
        await deps.events.record({ appId: null, kind: 'console.sign_in_failed', clientIp: request.ip })
        return refused('That is not the admin key.', 401)
      }
      await deps.limits.refund([budget])
      await auth.startSession(reply, secure(request), { ip: request.ip, userAgent: request.headers['user-agent'] })
      return see(reply, '/console')
    })

    scope.post('/console/sign-out', { schema: { hide: true } }, async (request, reply) =>
      signedIn(
        request,
        reply,
        async (_ctx, sessionId) => {
          // Revoked, not only forgotten by this browser: a copy of the cookie stops working too.
          await sessions.revoke(sessionId)
          auth.clearCookie(reply, secure(request))
          return see(reply, '/console/sign-in')
        },
        { form: true },
      ),
    )

    scope.get<{ Querystring: { done?: string } }>(
      '/console/sessions',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(request, reply, async (ctx, sessionId) => {
          const message =
            request.query.done === 'revoked' ? { kind: 'ok' as const, text: 'Session revoked.' } : undefined
          return page(reply, ctx, sessionsPage(ctx, await sessions.list(), sessionId, message))
        }),
    )

    scope.post<{ Params: { session_id: string } }>(
      '/console/sessions/:session_id/revoke',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(
          request,
          reply,
          async (ctx, sessionId) => {
            const revoked = await sessions.revoke(request.params.session_id)
            if (request.params.session_id === sessionId) {
              auth.clearCookie(reply, secure(request))
              return see(reply, '/console/sign-in')
            }
            if (!revoked) {
              const message = { kind: 'error' as const, text: 'No such active session.' }
              return page(reply, ctx, sessionsPage(ctx, await sessions.list(), sessionId, message), 404)
            }
            return see(reply, '/console/sessions?done=revoked')
          },
          { form: true },
        ),
    )

    scope.post('/console/sessions/revoke-all', { schema: { hide: true } }, async (request, reply) =>
      signedIn(
        request,
        reply,
        async () => {
          // Sign out everywhere, this browser included: every stored session is revoked in one statement.
          await sessions.revokeAll()
          auth.clearCookie(reply, secure(request))
          return see(reply, '/console/sign-in')
        },
        { form: true },
      ),
    )

    scope.get<{ Querystring: { done?: string } }>(
      '/console/signing-keys',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(request, reply, async (ctx) => {
          const message =
            request.query.done === 'rotated'
              ? {
                  kind: 'ok' as const,
                  text: 'New signing key active. Older keys stay published while their tokens live.',
                }
              : request.query.done === 'revoked'
                ? { kind: 'ok' as const, text: 'Key revoked: it left the JWKS and its tokens are refused.' }
                : undefined
          return page(reply, ctx, signingKeysPage(ctx, await deps.keyRing.list(), message))
        }),
    )

    scope.post('/console/signing-keys/rotate', { schema: { hide: true } }, async (request, reply) =>
      signedIn(
        request,
        reply,
        async () => {
          await deps.keyRing.rotate()
          return see(reply, '/console/signing-keys?done=rotated')
        },
        { form: true },
      ),
    )

    scope.post<{ Params: { kid: string } }>(
      '/console/signing-keys/:kid/revoke',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(
          request,
          reply,
          async (ctx) => {
            try {
              await deps.keyRing.revoke(request.params.kid)
              return see(reply, '/console/signing-keys?done=revoked')
            } catch (error) {
              if (!(error instanceof AppError)) throw error
              const message = { kind: 'error' as const, text: error.message }
              return page(reply, ctx, signingKeysPage(ctx, await deps.keyRing.list(), message), error.status)
            }
          },
          { form: true },
        ),
    )

    scope.get('/console/apps', { schema: { hide: true } }, async (request, reply) =>
      signedIn(request, reply, async (ctx) => page(reply, ctx, appsPage(ctx))),
    )

    scope.post('/console/apps', { schema: { hide: true } }, async (request, reply) =>
      signedIn(
        request,
        reply,
        async (ctx) => {
          try {
            const app = await deps.apps.createApp({ name: formField(request.body, 'name') ?? '' })
            return see(reply, `/console/apps/${app.id}/keys?created=1`)
          } catch (error) {
            if (!(error instanceof AppError)) throw error
            return page(reply, ctx, appsPage(ctx, { kind: 'error', text: error.message }), error.status)
          }
        },
        { form: true },
      ),
    )

    scope.get<{ Params: Params; Querystring: { range?: string } }>(
      '/console/apps/:app_id',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(request, reply, async (ctx) => {
          const app = await loadApp(ctx, request.params.app_id)
          if (!app) return notFound(reply, ctx)
          const range =
            typeof request.query.range === 'string' && RANGES[request.query.range] ? request.query.range : '24h'
          const window = RANGES[range] ?? { spanMs: 86_400_000, bucketMs: 3_600_000 }
          const now = deps.clock.nowMs()
          // Buckets end on a bucket boundary after now, so the last bar is the current hour or day.
          const toMs = Math.ceil((now + 1) / window.bucketMs) * window.bucketMs
          const summary = await summarizeActivity(deps, app.id, {
            fromMs: toMs - window.spanMs,
            toMs,
            bucketMs: window.bucketMs,
          })
          return page(reply, ctx, dashboardPage(ctx, app, summary, range))
        }),
    )

    scope.get<{ Params: Params; Querystring: Record<string, string | undefined> }>(
      '/console/apps/:app_id/verifications',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(request, reply, async (ctx) => {
          const app = await loadApp(ctx, request.params.app_id)
          if (!app) return notFound(reply, ctx)
          const query = request.query
          const text = (name: string) => {
            const value = query[name]
            return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 64) : undefined
          }
          const filter: VerificationFilterForm = {
            status: text('status'),
            channel: text('channel'),
            scene: text('scene'),
            from: text('from'),
            to: text('to'),
          }
          const time = (value: string | undefined) => (value === undefined ? undefined : Date.parse(`${value}Z`))
          const from = time(filter.from)
          const to = time(filter.to)
          const status = filter.status as VerificationStatus | undefined
          if (
            (status !== undefined && !STATUSES.has(status)) ||
            (from !== undefined && Number.isNaN(from)) ||
            (to !== undefined && Number.isNaN(to))
          ) {
            return page(reply, ctx, verificationsPage(ctx, app, filter, [], 'The filter is not valid.'), 400)
          }
          const views = await deps.verifications.search(app.id, {
            status,
            channel: filter.channel,
            scene: filter.scene,
            from,
            to,
            limit: 100,
          })
          return page(reply, ctx, verificationsPage(ctx, app, filter, views))
        }),
    )

    scope.get<{ Params: Params & { verification_id: string } }>(
      '/console/apps/:app_id/verifications/:verification_id',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(request, reply, async (ctx) => {
          const app = await loadApp(ctx, request.params.app_id)
          if (!app) return notFound(reply, ctx)
          const view = await deps.verifications.get(app, request.params.verification_id).catch(() => undefined)
          if (!view) return page(reply, ctx, verificationsPage(ctx, app, {}, [], 'No such verification.'), 404)
          const events = (await deps.events.listRecent(app.id, { limit: 200 })).filter(
            (event) => event.verificationId === view.id,
          )
          const deliveries = await deps.messages.list(app.id, view.id)
          return page(reply, ctx, verificationPage(ctx, app, view, events, deliveries))
        }),
    )

    scope.get<{ Params: Params; Querystring: { kind?: string } }>(
      '/console/apps/:app_id/events',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(request, reply, async (ctx) => {
          const app = await loadApp(ctx, request.params.app_id)
          if (!app) return notFound(reply, ctx)
          const kind =
            typeof request.query.kind === 'string' && request.query.kind.trim() !== ''
              ? request.query.kind.trim().slice(0, 64)
              : undefined
          const events = await deps.events.listRecent(app.id, { limit: 200, kind })
          return page(reply, ctx, eventsPage(ctx, app, kind, events))
        }),
    )

    async function keysView(
      reply: FastifyReply,
      ctx: ConsoleContext,
      app: App,
      extra: Parameters<typeof keysPage>[3],
      message?: Parameters<typeof keysPage>[4],
      status = 200,
    ) {
      const keys = await deps.apps.listKeys(app.id)
      return page(reply, ctx, keysPage(ctx, app, keys, extra, message), status)
    }

    scope.get<{ Params: Params; Querystring: { created?: string } }>(
      '/console/apps/:app_id/keys',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(request, reply, async (ctx) => {
          const app = await loadApp(ctx, request.params.app_id)
          if (!app) return notFound(reply, ctx)
          const message =
            request.query.created === '1'
              ? { kind: 'ok' as const, text: `App “${app.name}” created. Create a key for your backend below.` }
              : undefined
          return keysView(reply, ctx, app, undefined, message)
        }),
    )

    scope.post<{ Params: Params }>('/console/apps/:app_id/keys', { schema: { hide: true } }, async (request, reply) =>
      signedIn(
        request,
        reply,
        async (ctx) => {
          const app = await loadApp(ctx, request.params.app_id)
          if (!app) return notFound(reply, ctx)
          try {
            const name = formField(request.body, 'name')
            const created = await deps.apps.createKey(app.id, { name: name?.trim() ? name : undefined })
            // Rendered, not redirected: the secret exists in this one response only.
            return keysView(reply, ctx, app, created, undefined, 201)
          } catch (error) {
            if (!(error instanceof AppError)) throw error
            return keysView(reply, ctx, app, undefined, { kind: 'error', text: error.message }, error.status)
          }
        },
        { form: true },
      ),
    )

    scope.post<{ Params: Params & { key_id: string } }>(
      '/console/apps/:app_id/keys/:key_id/revoke',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(
          request,
          reply,
          async (ctx) => {
            const app = await loadApp(ctx, request.params.app_id)
            if (!app) return notFound(reply, ctx)
            try {
              await deps.apps.revokeKey(app.id, request.params.key_id)
              return keysView(reply, ctx, app, undefined, {
                kind: 'ok',
                text: 'Key revoked. Requests with it now fail.',
              })
            } catch (error) {
              if (!(error instanceof AppError)) throw error
              return keysView(reply, ctx, app, undefined, { kind: 'error', text: error.message }, error.status)
            }
          },
          { form: true },
        ),
    )

    scope.get<{ Params: Params; Querystring: { saved?: string } }>(
      '/console/apps/:app_id/settings',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(request, reply, async (ctx) => {
          const app = await loadApp(ctx, request.params.app_id)
          if (!app) return notFound(reply, ctx)
          const message =
            request.query.saved === '1'
              ? { kind: 'ok' as const, text: 'Settings saved.' }
              : request.query.saved === 'name'
                ? { kind: 'ok' as const, text: 'App renamed.' }
                : undefined
          // Provider secrets show masked; sent back masked, they keep the stored secret.
          return page(reply, ctx, settingsPage(ctx, app, deps.apps.maskSettings(app.settings), new Map(), message))
        }),
    )

    scope.post<{ Params: Params }>(
      '/console/apps/:app_id/settings',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(
          request,
          reply,
          async (ctx) => {
            const app = await loadApp(ctx, request.params.app_id)
            if (!app) return notFound(reply, ctx)
            const { settings, jsonErrors } = settingsFromForm((request.body ?? {}) as SettingsForm)
            const rejected = (errors: Map<string, string>, text: string) =>
              page(reply, ctx, settingsPage(ctx, app, settings, errors, { kind: 'error', text }), 400)
            if (jsonErrors.size > 0)
              return rejected(jsonErrors, 'Some settings are not valid; see the fields marked below.')
            try {
              // The admin API's path: merged, then validated as a whole by resolveAppSettings.
              await deps.apps.updateApp(app.id, { settings })
              return see(reply, `/console/apps/${app.id}/settings?saved=1`)
            } catch (error) {
              if (!(error instanceof AppError)) throw error
              const errors = new Map<string, string>()
              for (const problem of settingsProblems(mergeSettings(app.settings, settings))) {
                errors.set(problem.path, problem.message)
              }
              return rejected(
                errors,
                errors.size > 0 ? 'Some settings are not valid; see the fields marked below.' : error.message,
              )
            }
          },
          { form: true },
        ),
    )

    scope.get<{ Params: Params; Querystring: Record<string, string | undefined> }>(
      '/console/apps/:app_id/templates',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(request, reply, async (ctx) => {
          const app = await loadApp(ctx, request.params.app_id)
          if (!app) return notFound(reply, ctx)
          const draft = draftFrom(app, request.query, true)
          let preview: TemplatePreview | undefined
          let error: string | undefined
          try {
            preview = previewDraft(deps.apps, app, draft)
          } catch (caught) {
            if (!(caught instanceof AppError)) throw caught
            error = caught.message
          }
          const message = request.query.saved === '1' ? { kind: 'ok' as const, text: 'Template saved.' } : undefined
          return page(reply, ctx, templatesPage(ctx, app, templatesBody(app, ctx.csrf, draft, preview, error), message))
        }),
    )

    scope.post<{ Params: Params }>(
      '/console/apps/:app_id/templates',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(
          request,
          reply,
          async (ctx) => {
            const app = await loadApp(ctx, request.params.app_id)
            if (!app) return notFound(reply, ctx)
            const draft = draftFrom(app, request.body, false)
            try {
              if (formField(request.body, 'action') === 'save') {
                await saveDraft(deps.apps, app, draft)
                const query = new URLSearchParams({ channel: draft.channel, scene: draft.scene, locale: draft.locale })
                return see(reply, `/console/apps/${app.id}/templates?${query}&saved=1`)
              }
              const preview = previewDraft(deps.apps, app, draft)
              return page(reply, ctx, templatesPage(ctx, app, templatesBody(app, ctx.csrf, draft, preview, undefined)))
            } catch (caught) {
              if (!(caught instanceof AppError)) throw caught
              return page(
                reply,
                ctx,
                templatesPage(ctx, app, templatesBody(app, ctx.csrf, draft, undefined, caught.message)),
                caught.status,
              )
            }
          },
          { form: true },
        ),
    )

    // The live preview (console.js): the same function, answered as JSON.
    scope.post<{ Params: Params }>(
      '/console/apps/:app_id/templates/preview',
      { schema: { hide: true } },
      async (request, reply) =>
        signedIn(
          request,
          reply,
          async (ctx) => {
            const app = await loadApp(ctx, request.params.app_id)
            if (!app) return reply.status(404).send(new AppError('not_found', { message: 'No such app.' }).toBody())
            try {
              const preview = previewDraft(deps.apps, app, draftFrom(app, request.body, false))
              return reply.header('cache-control', 'no-store').send({
                locale: preview.locale,
                subject: preview.subject,
                text: preview.text,
                html: preview.html,
                ...(preview.smsSegments ? { sms_segments: preview.smsSegments } : {}),
              })
            } catch (caught) {
              if (!(caught instanceof AppError)) throw caught
              return reply.status(caught.status).send(caught.toBody())
            }
          },
          { form: true },
        ),
    )

    scope.post<{ Params: Params }>('/console/apps/:app_id/rename', { schema: { hide: true } }, async (request, reply) =>
      signedIn(
        request,
        reply,
        async (ctx) => {
          const app = await loadApp(ctx, request.params.app_id)
          if (!app) return notFound(reply, ctx)
          try {
            await deps.apps.updateApp(app.id, { name: formField(request.body, 'name') ?? '' })
            return see(reply, `/console/apps/${app.id}/settings?saved=name`)
          } catch (error) {
            if (!(error instanceof AppError)) throw error
            return page(
              reply,
              ctx,
              settingsPage(ctx, app, deps.apps.maskSettings(app.settings), new Map(), {
                kind: 'error',
                text: error.message,
              }),
              error.status,
            )
          }
        },
        { form: true },
      ),
    )
  })
}

/** A script or fetch asking for JSON gets the contract's error body; a browser gets the page. */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? ''
  return accept.includes('application/json') && !accept.includes('text/html')
}

function throttledMessage(retryAfterSeconds: number): string {
  const minutes = Math.ceil(retryAfterSeconds / 60)
  return `Too many failed sign-ins from your address. Try again in ${
    retryAfterSeconds < 120 ? `${retryAfterSeconds} seconds` : `${minutes} minutes`
  }.`
}
