import type { LightMyRequestResponse } from 'fastify'
import type { TestApp } from './create-test-app.js'

export interface HostedBrowser {
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>
  post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse>
}

/** A browser in miniature over `inject()`: keeps cookies; forms go as application/x-www-form-urlencoded. */
export function hostedBrowser(t: TestApp): HostedBrowser {
  const jar = new Map<string, string>()
  const remember = (setCookie: string | string[] | undefined) => {
    for (const line of [setCookie ?? []].flat()) {
      const [pair = ''] = line.split(';')
      const index = pair.indexOf('=')
      jar.set(pair.slice(0, index), pair.slice(index + 1))
    }
  }
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  return {
    async get(url, headers = {}) {
      const response = await t.tessera.server.inject({
        method: 'GET',
        url,
        headers: { cookie: cookieHeader(), ...headers },
      })
      remember(response.headers['set-cookie'])
      return response
    },
    async post(url, form) {
      const response = await t.tessera.server.inject({
        method: 'POST',
        url,
        headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      })
      remember(response.headers['set-cookie'])
      return response
    },
  }
}

/** The form token out of a hosted page. */
export const csrfOf = (page: string): string => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? ''
