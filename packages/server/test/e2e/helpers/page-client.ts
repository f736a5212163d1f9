/** One page answer: status, headers and the body as text. */
export interface PageAnswer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

export interface PageClient {
  /** Every cookie the server has set and not cleared, by name. */
  readonly cookies: ReadonlyMap<string, string>
  get(path: string): Promise<PageAnswer>
  /** Posts a form (application/x-www-form-urlencoded). */
  post(path: string, form: Record<string, string>): Promise<PageAnswer>
}

/**
 * A browser in miniature for the server-rendered pages over real HTTP: keeps the cookies the
 * server sets (a cookie set with Max-Age=0 is forgotten) and sends them all back, follows no
 * redirect (a test reads `location` itself).
 */
export function pageClient(baseUrl: string): PageClient {
  const cookies = new Map<string, string>()
  const send = async (path: string, init: RequestInit): Promise<PageAnswer> => {
    const headers = new Headers(init.headers)
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '))
    const response = await fetch(`${baseUrl}${path}`, {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const index = pair.indexOf('=')
      if (index <= 0) continue
      const name = pair.slice(0, index).trim()
      if (/;\s*max-age=0\b/i.test(line)) cookies.delete(name)
      else cookies.set(name, pair.slice(index + 1).trim())
    }
    return { status: response.status, headers: response.headers, text: await response.text() }
  }
  return {
    cookies,
    get: (path) => send(path, { method: 'GET' }),
    post: (path, form) =>
      send(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      }),
  }
}

/** The CSRF token of the first form on a page. */
export function csrfOf(page: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1]
  if (!token) throw new Error(`no CSRF token on the page: ${page.slice(0, 300)}`)
  return token
}
