import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { App, AppService } from '../../core/app-service.js'
import { AppError } from '../../errors/app-error.js'
import { formField, newNonce, sendPage } from '../page-security.js'
import type { createConsoleAuth } from './console-auth.js'
import { appsPage } from './pages/apps-pages.js'
import type { ConsoleContext } from './pages/layout.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A console route answered in JSON (the template preview): its errors keep the contract's JSON body. */
    readonly jsonErrors?: boolean
  }
}

/** What the signed-in hooks learned about a request: its session, its page context and, under an app, the app. */
export interface SignedInRequest {
  readonly sessionId: string
  readonly secret: string
  ctx?: ConsoleContext
  app?: App
}

const signedInRequests = new WeakMap<FastifyRequest, SignedInRequest>()

/** The page context of a signed-in request (set by the preHandler hook before any handler runs). */
export function pageOf(request: FastifyRequest): ConsoleContext {
  const ctx = signedInRequests.get(request)?.ctx
  if (!ctx) throw new Error('console route outside the signed-in scope')
  return ctx
}

/** The session of a signed-in request. */
export function sessionIdOf(request: FastifyRequest): string {
  const state = signedInRequests.get(request)
  if (!state) throw new Error('console route outside the signed-in scope')
  return state.sessionId
}

/** The app of a route under /console/apps/:app_id (loaded by the app hook). */
export function appOf(request: FastifyRequest): App {
  const app = signedInRequests.get(request)?.app
  if (!app) throw new Error('console route outside an app scope')
  return app
}

export const see = (reply: FastifyReply, location: string) => reply.status(303).header('location', location).send()

export const page = (reply: FastifyReply, ctx: { nonce: string }, body: string, status = 200) =>
  sendPage(reply, body, { nonce: ctx.nonce, status })

type Auth = Pick<ReturnType<typeof createConsoleAuth>, 'session' | 'isValidCsrf' | 'csrfFor'>

/**
 * Makes `scope` the signed-in console: every request needs a live session
 * (read from the database each time, so a session revoked anywhere is refused
 * at once) or goes to the sign-in page; every form carries the CSRF token of
 * that session; every page knows the app list. An AppError a route throws is
 * answered as the apps page with its message, unless a narrower scope renders
 * it (see renderErrors).
 */
export function signedIn(scope: FastifyInstance, deps: { auth: Auth; apps: Pick<AppService, 'listApps'> }): void {
  scope.addHook('onRequest', async (request, reply) => {
    const current = await deps.auth.session(request)
    if (!current) return see(reply, '/console/sign-in')
    signedInRequests.set(request, { sessionId: current.session.id, secret: current.secret })
  })
  scope.addHook('preHandler', async (request, reply) => {
    const state = signedInRequests.get(request)
    if (!state) return
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      if (!deps.auth.isValidCsrf(state.secret, formField(request.body, 'csrf'))) {
        return sendPage(reply, 'Form expired: go back, reload and try again.', { nonce: newNonce(), status: 403 })
      }
    }
    const apps = await deps.apps.listApps({ limit: 200 })
    state.ctx = { nonce: newNonce(), csrf: deps.auth.csrfFor(state.secret), apps }
  })
  renderErrors(scope, appsErrorPage)
}

/**
 * The app scope (/console/apps/:app_id/…): loads the app before the handler;
 * an unknown app is the apps page's "No such app." (404).
 */
export function underApp(scope: FastifyInstance, deps: { apps: Pick<AppService, 'getApp'> }): void {
  scope.addHook('preHandler', async (request) => {
    const state = signedInRequests.get(request)
    if (!state?.ctx) return
    const appId = (request.params as { app_id?: string }).app_id ?? ''
    // The sidebar's list usually holds it; an app past the list's first 200 is read on its own.
    const app =
      state.ctx.apps.find((entry) => entry.id === appId) ?? (await deps.apps.getApp(appId).catch(() => undefined))
    if (!app) throw new AppError('not_found', { message: 'No such app.' })
    state.app = app
  })
}

type Render<Extra extends unknown[]> = (
  reply: FastifyReply,
  error: AppError,
  ctx: ConsoleContext,
  ...extra: Extra
) => Promise<FastifyReply> | FastifyReply

/**
 * Answers the AppErrors of `scope`'s routes with a page: `render` gets the
 * error and the page context. Anything else, an error before the request was
 * signed in (a malformed body, say), or a JSON route's error goes on to the
 * server's handler, which answers the contract's JSON.
 */
export function renderErrors(scope: FastifyInstance, render: Render<[request: FastifyRequest]>): void {
  scope.setErrorHandler(async (error, request, reply) => {
    const state = signedInRequests.get(request)
    if (!(error instanceof AppError) || !state?.ctx || request.routeOptions.config.jsonErrors) throw error
    return render(reply, error, state.ctx, request)
  })
}

/** renderErrors for an app's pages: `render` gets the app too; an app that did not load is the apps page's error. */
export function renderAppErrors(scope: FastifyInstance, render: Render<[app: App, request: FastifyRequest]>): void {
  renderErrors(scope, (reply, error, ctx, request) => {
    const app = signedInRequests.get(request)?.app
    return app ? render(reply, error, ctx, app, request) : appsErrorPage(reply, error, ctx)
  })
}

function appsErrorPage(reply: FastifyReply, error: AppError, ctx: ConsoleContext): FastifyReply {
  return page(reply, ctx, appsPage(ctx, { kind: 'error', text: error.message }), error.status)
}
