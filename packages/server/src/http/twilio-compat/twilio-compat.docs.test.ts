import { readFileSync } from 'node:fs'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { basicAuth, twilioApi } from '../../../test/helpers/twilio-api.js'

// docs/twilio-compat.md's curl examples, parsed and run in order against the service, each answer checked
// against the JSON shown after it: the examples cannot go stale.

const DOC = readFileSync(new URL('../../../../../docs/twilio-compat.md', import.meta.url), 'utf8')

interface Example {
  readonly method: string
  readonly url: string
  readonly form: Record<string, string>
  readonly user: string
  readonly expected: Record<string, unknown>
}

/** The `sh` blocks of the Examples section, each with the `json` block that follows it. */
function examples(): Example[] {
  const section = DOC.slice(DOC.indexOf('## Examples'))
  const blocks = [...section.matchAll(/```(sh|json)\n([\s\S]*?)```/g)].map((m) => ({ kind: m[1], text: m[2] ?? '' }))
  const found: Example[] = []
  blocks.forEach((block, index) => {
    if (block.kind !== 'sh') return
    const next = blocks[index + 1]
    if (next?.kind !== 'json') throw new Error(`example ${found.length + 1} has no answer after it`)
    const command = block.text.replace(/\\\n/g, ' ')
    const method = /-X (\w+)/.exec(command)?.[1]
    const url = /-X \w+ "([^"]+)"/.exec(command)?.[1]
    const user = /-u (\S+)/.exec(command)?.[1]
    if (!method || !url || !user) throw new Error(`cannot read the example: ${block.text}`)
    const form: Record<string, string> = {}
    for (const pair of command.matchAll(/--data-urlencode "([^=]+)=([^"]*)"/g)) form[pair[1] ?? ''] = pair[2] ?? ''
    found.push({ method, url, form, user, expected: JSON.parse(next.text) })
  })
  return found
}

/** `$NAME` replaced by its value; an unknown variable fails the test (the doc names one the test lacks). */
function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$([A-Z_]+)/g, (_, name: string) => {
    const value = vars[name]
    if (value === undefined) throw new Error(`the example uses $${name}, which no earlier answer gave`)
    return value
  })
}

/** The documented answer's fields: `…` and empty arrays/objects stand for any value; others must be equal. */
function expectShape(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'string' && expected.includes('…')) {
    const prefix = expected.slice(0, expected.indexOf('…'))
    expect(typeof actual === 'string' && actual.startsWith(prefix), `${path}: ${String(actual)}`).toBe(true)
    return
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true)
    return
  }
  if (typeof expected === 'object' && expected !== null) {
    expect(typeof actual, path).toBe('object')
    for (const [key, value] of Object.entries(expected)) {
      expect(actual, `${path} has ${key}`).toHaveProperty([key])
      if (Object.keys(value ?? {}).length > 0 || typeof value !== 'object') {
        expectShape((actual as Record<string, unknown>)[key], value, `${path}.${key}`)
      }
    }
    return
  }
  expect(actual, path).toEqual(expected)
}

describe('docs/twilio-compat.md', () => {
  it('has curl examples, each followed by its answer', () => {
    expect(examples().length).toBeGreaterThanOrEqual(8)
  })

  it('runs every curl example in order, each answering as the doc shows', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const vars: Record<string, string> = {
      TESSERA_URL: 'http://tessera.test',
      TWILIO_ACCOUNT_SID: api.accountSid,
      TWILIO_AUTH_TOKEN: app.key,
    }
    for (const example of examples()) {
      const url = new URL(substitute(example.url, vars))
      const [user, password] = substitute(example.user, vars).split(':')
      const form = Object.fromEntries(Object.entries(example.form).map(([k, v]) => [k, substitute(v, vars)]))
      const res = await t.tessera.server.inject({
        method: example.method as 'GET' | 'POST',
        url: `${url.pathname}${url.search}`,
        headers: {
          authorization: basicAuth(user ?? '', password ?? ''),
          ...(example.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(example.method === 'POST' ? { payload: new URLSearchParams(form).toString() } : {}),
      })
      expect(res.statusCode, `${example.method} ${url.pathname}: ${res.body}`).toBeLessThan(300)
      const body = res.json()
      expectShape(body, example.expected, `${example.method} ${url.pathname}`)
      // What later examples name: the service, the verification, the code it sent and a wrong one.
      if (url.pathname === '/v2/Services' && example.method === 'POST') vars.SERVICE_SID = body.sid
      if (url.pathname.endsWith('/Verifications') && example.method === 'POST') {
        vars.VERIFICATION_SID = body.sid
        const code = t.capture.codeOf(body.tessera_verification_id)
        vars.CODE = code
        vars.WRONG_CODE = `${code[0] === '0' ? '1' : '0'}${code.slice(1)}`
      }
    }
  })
})
