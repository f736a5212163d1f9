import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import { TEST_ADMIN_KEY } from './create-test-app.js'

/** `name=value` pairs of a response's Set-Cookie headers, without the cleared ones: what a browser sends back. */
export function cookiesFrom(response: LightMyRequestResponse): string {
  return [response.headers['set-cookie'] ?? []]
    .flat()
    .map((cookie) => cookie.split(';')[0] ?? '')
    .filter((pair) => !pair.endsWith('='))
    .join('; ')
}

/** The CSRF token a console page's forms carry. */
export const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? ''

/** A signed-in browser: its cookie header and the CSRF token its pages carry. */
export interface ConsoleSession {
  readonly cookie: string
  readonly csrf: string
}

/** Signs in through the console's own form with the admin key, as a browser does. */
export async function signInToConsole(server: FastifyInstance): Promise<ConsoleSession> {
  const form = await server.inject({ method: 'GET', url: '/console/sign-in' })
  const res = await server.inject({
    method: 'POST',
    url: '/console/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesFrom(form) },
    payload: new URLSearchParams({ admin_key: TEST_ADMIN_KEY, csrf: csrfOf(form.body) }).toString(),
  })
  expect(res.statusCode).toBe(303)
  const cookie = cookiesFrom(res)
  const page = await server.inject({ method: 'GET', url: '/console/apps', headers: { cookie } })
  return { cookie, csrf: csrfOf(page.body) }
}
