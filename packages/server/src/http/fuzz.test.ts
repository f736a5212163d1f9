import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { createTestApp, TEST_ADMIN_KEY, type TestApp } from '../../test/helpers/create-test-app.js'
import { it as base, describe, expect } from '../../test/helpers/fixtures.js'
import { accountSidOf } from '../core/account-sid.js'
import { ERROR_CODES } from '../errors/error-codes.js'

/**
 * Property-based tests over every route of the OpenAPI document: random and
 * hostile ids, bodies, headers and query strings, with the admin key, app
 * keys, garbage and no key. No input may answer a 5xx, every error is in the
 * contract's shape, Object.prototype is never polluted, and a refused request
 * changes nothing. FUZZ_RUNS and FUZZ_RUNS_STATE raise the number of runs for
 * a longer hunt (the defaults keep the file well under a minute).
 */

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
interface Route {
  readonly method: Method
  readonly path: string
  readonly params: readonly string[]
  readonly bodyFields: readonly string[]
  readonly queryFields: readonly string[]
}

/** Seeded ids: the fuzzer sometimes aims at real objects, to get past lookups. */
interface RealIds {
  readonly appIds: string[]
  readonly keyIds: string[]
  readonly verificationIds: string[]
  readonly factorIds: string[]
  readonly userIds: string[]
  verificationToken: string
  /** App A's Twilio-face service and verification sids (`VA…`, `VE…`). */
  readonly serviceSids: string[]
  readonly verificationSids: string[]
}

/** One server seeded once for the whole file: the storm of one test is what the next ones look at. */
interface World {
  readonly t: TestApp
  readonly routes: Route[]
  readonly real: RealIds
  readonly keys: { a: string; b: string }
}

const SENTINELS = ['polluted', 'isAdmin', 'admin', 'role', 'toJSON', 'then', 'x', 'status', 'length'] as const
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort()

async function seedWorld(): Promise<World> {
  const t = await createTestApp()
  const real: RealIds = {
    appIds: [],
    keyIds: [],
    verificationIds: [],
    factorIds: [],
    userIds: ['u_seeded'],
    verificationToken: '',
    serviceSids: [],
    verificationSids: [],
  }
  const keys = { a: '', b: '' }
  // Generous limits: the fuzzer is one client sending many requests; a 429 is still checked for shape.
  const limits = {
    requests_per_key: { max: 10_000_000, window_seconds: 60 },
    sends_per_identifier: { max: 10_000, window_seconds: 600 },
    sends_per_ip: { max: 10_000, window_seconds: 3600 },
  }
  const a = await t.createApp({ limits, channels: { email: { resend_cooldown_seconds: 0 } } }, 'Fuzz A')
  const b = await t.createApp({ limits }, 'Fuzz B')
  keys.a = a.key
  keys.b = b.key
  real.appIds.push(a.appId, b.appId)
  // A second key per app whose id the fuzzer may aim at (and revoke): the keys it sends stay valid.
  for (const appId of real.appIds) {
    const res = await t.request('POST', `/admin/v1/apps/${appId}/keys`, {
      key: TEST_ADMIN_KEY,
      body: { name: 'spare' },
    })
    real.keyIds.push(res.json().key_id)
  }
  const started = await t.request('POST', '/v1/verifications', {
    key: keys.a,
    body: { channel: 'email', to: 'seed@example.com' },
  })
  real.verificationIds.push(started.json().verification_id)
  const approved = await t.request('POST', '/v1/verifications', {
    key: keys.a,
    body: { channel: 'sms', to: '+14155552671' },
  })
  const approvedId = approved.json().verification_id
  const check = await t.request('POST', '/v1/verifications/verify', {
    key: keys.a,
    body: { verification_id: approvedId, verification_code: t.capture.lastCode('+14155552671') },
  })
  real.verificationIds.push(approvedId)
  real.verificationToken = check.json().verification_token
  const factor = await t.request('POST', '/v1/users/u_seeded/factors', {
    key: keys.a,
    body: { type: 'sms', to: '+447400123456' },
  })
  real.factorIds.push(factor.json().factor_id)
  // The Twilio face (/v2): a service of app A with one pending verification, for the fuzzer to aim at.
  const twilio = async (url: string, form: Record<string, string>) =>
    (
      await t.tessera.server.inject({
        method: 'POST',
        url,
        headers: {
          authorization: basicOf(accountSidOf(a.appId), keys.a),
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: new URLSearchParams(form).toString(),
      })
    ).json()
  const service = await twilio('/v2/Services', { FriendlyName: 'Fuzz' })
  real.serviceSids.push(service.sid)
  const twilioStarted = await twilio(`/v2/Services/${service.sid}/Verifications`, {
    To: 'fuzz@example.com',
    Channel: 'email',
  })
  real.verificationSids.push(twilioStarted.sid)
  const totp = await t.request('POST', '/v1/users/u_seeded/factors', { key: keys.a, body: { type: 'totp' } })
  real.factorIds.push(totp.json().factor_id)

  const doc = (await t.request('GET', '/openapi.json')).json() as {
    paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }>; requestBody?: unknown }>>
  }
  const routes: Route[] = []
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const body = operation.requestBody as
        | { content?: { 'application/json'?: { schema?: { properties?: Record<string, unknown> } } } }
        | undefined
      routes.push({
        method: method.toUpperCase() as Method,
        path,
        params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? ''),
        bodyFields: Object.keys(body?.content?.['application/json']?.schema?.properties ?? {}),
        queryFields: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })
    }
  }
  return { t, routes, real, keys }
}

const it = base.extend<{ world: World }>({
  world: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const world = await seedWorld()
      await use(world)
      await world.t.close()
    },
    { scope: 'file' },
  ],
})

// ---------------------------------------------------------------- arbitraries

// biome-ignore-start lint/suspicious/noTemplateCurlyInString: template metacharacters in plain strings are the point
const HOSTILE_STRINGS = [
  "' OR 1=1 --",
  "'; DROP TABLE verifications; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  '${7*7}',
  '{{7*7}}',
  '#{7*7}',
  '<%= 7*7 %>',
  '${{<%[%\'"}}%\\',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '\u0000',
  'a\u0000b',
  '\r\nSet-Cookie: x=1',
  '\u202eevil',
  '\ufeff',
  '😀👩‍👩‍👧‍👦',
  '𝕏𝕐ℤ',
  'ﷺ',
  'e\u0301\u0301\u0301',
  '\ud800',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  'null',
  'undefined',
  'true',
  '',
  ' ',
  '%',
  '%00',
  '%E0%A4%A',
  '\\',
  '/',
  '?',
  '#',
  'ver_00000000000000000000000000',
  'fac_00000000000000000000000000',
  'tsk_00000000000000000000000000',
  'x'.repeat(129),
  'y'.repeat(2000),
]

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('A', 'é', '😀', '\u0000', "'", '{{'), fc.integer({ min: 1000, max: 20_000 }))
      .map(([chunk, n]) => chunk.repeat(Math.ceil(n / chunk.length))),
  },
)

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, 2 ** 53, 1e308) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
)

/** Plausible values for known fields, so some requests get past validation. */
const PLAUSIBLE: Record<string, readonly unknown[]> = {
  channel: ['sms', 'email'],
  verifier: ['sms', 'email', 'totp'],
  to: ['ada@example.com', '+14155552671', '+8821073779713'],
  scene: ['login', 'verify-identifier', 'step-up'],
  type: ['sms', 'email', 'totp', 'password', 'backup-code'],
  verification_code: ['123456', '000000'],
  consume: [true, false],
  name: ['Fuzzed'],
  settings: [{}, { uniform_responses: true }, { limits: { sends_per_ip: { max: 0 } } }],
  client_ip: ['203.0.113.7', '::ffff:102:304', '2001:db8::1'],
  locale: ['en', 'de-DE'],
  password: ['correct horse battery staple'],
}

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'] as const

/** A JSON body text for a route: its own fields with hostile or plausible values, extra keys, pollution keys. */
/** Without `withReal`, no body names a real object: then a refusal has nothing it could legitimately change. */
function bodyText(real: RealIds, route: Route, withReal: boolean): fc.Arbitrary<string | undefined> {
  const realIds = withReal ? [...real.verificationIds, ...real.factorIds] : ['ver_00000000000000000000000000']
  const realToken = withReal ? real.verificationToken : 'not-a-token'
  const fieldValue = (field: string) =>
    PLAUSIBLE[field]
      ? fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...(PLAUSIBLE[field] ?? [])) },
          { weight: 2, arbitrary: hostileValue },
        )
      : field === 'verification_id' || field === 'factor_id'
        ? fc.oneof(fc.constantFrom(...realIds), hostileValue)
        : field === 'verification_token'
          ? fc.oneof(fc.constant(realToken), hostileValue)
          : hostileValue
  const known =
    route.bodyFields.length === 0
      ? fc.constant({} as Record<string, unknown>)
      : fc.record(Object.fromEntries(route.bodyFields.map((f) => [f, fieldValue(f)])), { requiredKeys: [] })
  const structured = fc
    .tuple(
      known,
      fc.oneof(
        { weight: 3, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.dictionary(hostileString, hostileValue, { maxKeys: 2 }) },
      ),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom(...POLLUTION_KEYS) },
      ),
      fc.constantFrom(...SENTINELS),
    )
    .map(([fields, extra, pollute, sentinel]) => {
      const text = JSON.stringify({ ...extra, ...fields })
      if (pollute === undefined) return text
      // Written as text: a JS literal would set the prototype instead of adding the key.
      const payload =
        pollute === '__proto__'
          ? `"__proto__":{"${sentinel}":"yes"}`
          : `"${pollute}":{"prototype":{"${sentinel}":"yes"}}`
      return text === '{}' ? `{${payload}}` : `{${payload},${text.slice(1)}`
    })
  // Plausible values for every field the fuzzer knows, then at most one field made hostile: gets past validation.
  const plausible = (field: string): fc.Arbitrary<unknown> | undefined =>
    PLAUSIBLE[field]
      ? fc.constantFrom(...(PLAUSIBLE[field] ?? []))
      : field === 'verification_id' || field === 'factor_id'
        ? fc.constantFrom(...realIds)
        : field === 'verification_token'
          ? fc.constant(realToken)
          : undefined
  const plausibleFields = route.bodyFields.filter((f) => plausible(f) !== undefined)
  const nearValid = fc
    .tuple(
      plausibleFields.length === 0
        ? fc.constant({} as Record<string, unknown>)
        : fc.record(Object.fromEntries(plausibleFields.map((f) => [f, plausible(f) as fc.Arbitrary<unknown>])), {
            requiredKeys: [],
          }),
      route.bodyFields.length === 0
        ? fc.constant(undefined)
        : fc.option(fc.tuple(fc.constantFrom(...route.bodyFields), hostileValue), { nil: undefined }),
    )
    .map(([fields, hostile]) => JSON.stringify(hostile ? { ...fields, [hostile[0]]: hostile[1] } : fields))
  return fc.oneof(
    { weight: 4, arbitrary: nearValid },
    { weight: 6, arbitrary: structured },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileString },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{',
        '{"a":',
        '[]',
        'null',
        '"str"',
        '{"a":1,"a":2}',
        `{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        `{"big":"${'z'.repeat(20_000)}"}`,
        '{"__proto__":{"polluted":"yes"}}',
        '{"constructor":{"prototype":{"polluted":"yes"}}}',
        '{"a":{"__proto__":{"polluted":"yes"}}}',
      ),
    },
  )
}

function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value)
  } catch {
    // A lone surrogate: percent-encode its UTF-8 replacement bytes instead.
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
  }
}

function pathParam(real: RealIds, name: string, withReal: boolean): fc.Arbitrary<string> {
  const ids: Record<string, string[]> = {
    app_id: real.appIds,
    key_id: real.keyIds,
    verification_id: real.verificationIds,
    factor_id: real.factorIds,
    user_id: real.userIds,
    ServiceSid: real.serviceSids,
    Sid: real.verificationSids,
  }
  const encoded = hostileString.map(encodeSegment)
  const raw = fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '.', '%2F', '%00', 'a%2Fb', '%F0%9F%98')
  const choices: Array<fc.WeightedArbitrary<string>> = [
    { weight: 5, arbitrary: encoded },
    { weight: 1, arbitrary: raw },
  ]
  const own = ids[name]
  if (withReal && own && own.length > 0) choices.push({ weight: 3, arbitrary: fc.constantFrom(...own) })
  return fc.oneof(...choices)
}

const queryString = (route: Route): fc.Arbitrary<string> => {
  const names = fc.oneof(
    fc.constantFrom(...route.queryFields, 'limit', 'before', 'kind', 'after', '__proto__'),
    hostileString,
  )
  const pair = fc
    .tuple(names, fc.oneof(hostileString, fc.constantFrom('0', '1', '200', '201', '-5', '2026-01-01T00:00:00Z')))
    .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`)
  return fc.oneof(
    fc.constant(''),
    fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.join('&')}`),
    fc.constantFrom('?', '?&&', '?limit', '?limit=1&limit=2', '?__proto__[polluted]=yes', '?kind[]=a', '?%zz=1'),
  )
}

/** Header values light-my-request can carry (visible ASCII, space, tab). */
const headerValue = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
  fc.constantFrom("' OR 1=1 --", '${7*7}', '{{7*7}}', '__proto__', 'x'.repeat(8000)),
)
// biome-ignore-end lint/suspicious/noTemplateCurlyInString: template metacharacters in plain strings are the point

/** `match` is the key the route wants (admin for /admin, app A for the rest): most requests get past authentication. */
const authorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant('match') },
  { weight: 1, arbitrary: fc.constant('admin') },
  { weight: 1, arbitrary: fc.constant('appA') },
  { weight: 1, arbitrary: fc.constant('appB') },
  { weight: 1, arbitrary: fc.constant('none') },
  { weight: 1, arbitrary: headerValue.map((v) => `raw:${v}`) },
)

const someHeaders = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/xml',
      '',
    ),
    'x-forwarded-for': headerValue,
    origin: fc.constantFrom('https://evil.example', 'null'),
    accept: fc.constantFrom('*/*', 'text/html', 'application/xml'),
    'x-verification-token': headerValue,
    'content-length': fc.constantFrom('0', '1', '99999'),
    'x-http-method-override': fc.constantFrom('DELETE', 'PATCH'),
  },
  { requiredKeys: [] },
)
const extraHeaders = fc.oneof(
  { weight: 2, arbitrary: fc.constant({} as Record<string, string>) },
  { weight: 1, arbitrary: someHeaders },
)

interface FuzzRequest {
  readonly route: Route
  readonly url: string
  readonly auth: string
  readonly body: string | undefined
  readonly headers: Record<string, string>
}

function request({ routes, real }: World, withReal: boolean): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...routes).chain((route) =>
    fc
      .record({
        params: fc.tuple(...route.params.map((p) => pathParam(real, p, withReal)), fc.constant(null)),
        query: queryString(route),
        auth: authorization,
        body: bodyText(real, route, withReal),
        headers: extraHeaders,
        // Sometimes another method on the path: 404/405 must keep the shape too.
        method: fc.oneof(
          { weight: 9, arbitrary: fc.constant(route.method) },
          { weight: 1, arbitrary: fc.constantFrom<Method>('GET', 'POST', 'PATCH', 'DELETE') },
        ),
      })
      .map(({ params, query, auth, body, headers, method }) => {
        let url = route.path
        route.params.forEach((name, index) => {
          url = url.replace(`{${name}}`, params[index] ?? '')
        })
        return { route: { ...route, method }, url: `${url}${query}`, auth, body, headers }
      }),
  )
}

// ---------------------------------------------------------------- checks

/** HTTP Basic, as the Twilio face (/v2) takes credentials. */
function basicOf(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}

async function send({ t, keys, real }: World, req: FuzzRequest): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    // Only the request's own body decides the length, unless the fuzzer lies about it on purpose.
    if (name === 'content-length' && req.body === undefined) continue
    headers[name] = value
  }
  if (req.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json'
  const match = req.route.path.startsWith('/admin/') ? TEST_ADMIN_KEY : keys.a
  const bearer = { match, admin: TEST_ADMIN_KEY, appA: keys.a, appB: keys.b }[req.auth]
  if (bearer && req.route.path.startsWith('/v2/')) {
    // The Twilio face: the key as the password of the account_sid of its app (A's for the admin key).
    headers.authorization = basicOf(
      accountSidOf(bearer === keys.b ? (real.appIds[1] ?? '') : (real.appIds[0] ?? '')),
      bearer,
    )
  } else if (bearer) headers.authorization = `Bearer ${bearer}`
  else if (req.auth.startsWith('raw:')) headers.authorization = req.auth.slice(4)
  return t.tessera.server.inject({
    method: req.route.method,
    url: req.url,
    headers,
    ...(req.body === undefined ? {} : { payload: req.body }),
  })
}

function describeRequest(req: FuzzRequest, res: LightMyRequestResponse): string {
  const body = req.body === undefined ? '' : ` body=${req.body.slice(0, 300)}`
  return `${req.route.method} ${req.url.slice(0, 300)} auth=${req.auth.slice(0, 40)}${body} → ${res.statusCode} ${res.body.slice(0, 300)}`
}

function expectContract(req: FuzzRequest, res: LightMyRequestResponse): void {
  const where = describeRequest(req, res)
  expect(res.statusCode, where).toBeLessThan(500)
  if (res.statusCode < 400) return
  expect(String(res.headers['content-type']), where).toMatch(/^application\/json/)
  const body = JSON.parse(res.body) as Record<string, unknown>
  if (req.route.path.startsWith('/v2/')) {
    // The Twilio face answers Twilio's error shape (docs/twilio-compat.md).
    expect(Object.keys(body).sort(), where).toEqual(['code', 'message', 'more_info', 'status'])
    expect(Number.isInteger(body.code), where).toBe(true)
    expect(body.status, where).toBe(res.statusCode)
    expect(body.more_info, where).toBe(`https://www.twilio.com/docs/errors/${body.code}`)
    expect(res.body, where).not.toMatch(/at \S+ \(|SQLITE|sqlite|syntax error|node_modules/)
    return
  }
  expect(typeof body.error, where).toBe('string')
  expect(typeof body.error_description, where).toBe('string')
  expect(Number.isInteger(body.error_code), where).toBe(true)
  const entry = ERROR_CODES[body.error as keyof typeof ERROR_CODES]
  expect(entry, where).toBeDefined()
  expect(body.error_code, where).toBe(entry.number)
  expect(res.statusCode, where).toBe(entry.status)
  // No stack, no SQL, no internals.
  expect(res.body, where).not.toMatch(/at \S+ \(|SQLITE|sqlite|syntax error|node_modules/)
}

function expectPrototypesClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames)
  const probe: Record<string, unknown> = {}
  for (const name of SENTINELS) {
    if (name === 'toJSON' || name === 'then' || name === 'length' || name === 'status') {
      expect(Object.hasOwn(Object.prototype, name)).toBe(false)
    } else {
      expect(probe[name]).toBeUndefined()
    }
  }
  expect(Object.getOwnPropertyNames(Array.prototype)).not.toContain('polluted')
  expect(Object.getOwnPropertyNames(Function.prototype)).not.toContain('polluted')
}

/** Everything a request could change, through the operator API (events excluded: they record refusals on purpose). */
async function snapshot({ t, real, keys }: World, userIds: string[]): Promise<string> {
  const admin = { key: TEST_ADMIN_KEY }
  const parts: unknown[] = [(await t.request('GET', '/admin/v1/apps?limit=200', admin)).json()]
  const appA = real.appIds[0] ?? ''
  const services = await t.tessera.server.inject({
    method: 'GET',
    url: '/v2/Services',
    headers: { authorization: basicOf(accountSidOf(appA), keys.a) },
  })
  parts.push(services.json())
  for (const appId of real.appIds) {
    parts.push((await t.request('GET', `/admin/v1/apps/${appId}/keys`, admin)).json())
    parts.push((await t.request('GET', `/admin/v1/apps/${appId}/verifications?limit=200`, admin)).json())
    for (const userId of userIds) {
      const res = await t.request('GET', `/admin/v1/apps/${appId}/users/${encodeSegment(userId)}/factors`, admin)
      parts.push(res.statusCode, res.json())
    }
  }
  return JSON.stringify(parts)
}

// ---------------------------------------------------------------- properties

describe('fuzzed requests over every route of the OpenAPI document', () => {
  it('covers every documented route', ({ world: { routes } }) => {
    const paths = new Set(routes.map((r) => `${r.method} ${r.path}`))
    for (const expected of [
      'POST /v1/verifications',
      'POST /v1/verifications/verify',
      'POST /v1/verifications/{verification_id}/resend',
      'GET /v1/verifications/{verification_id}',
      'POST /v1/verifications/{verification_id}/cancel',
      'POST /v1/tokens/verify',
      'POST /v1/users/{user_id}/factors',
      'POST /v1/users/{user_id}/challenges',
      'DELETE /admin/v1/apps/{app_id}/users/{user_id}/factors/{factor_id}',
      'PATCH /admin/v1/apps/{app_id}',
      'GET /admin/v1/apps/{app_id}/events',
    ]) {
      expect(paths).toContain(expected)
    }
    expect(routes.length).toBeGreaterThanOrEqual(20)
  })

  it('never answer 5xx, always answer errors in the contract shape, never pollute prototypes', async ({ world }) => {
    const statuses = new Map<number, number>()
    const route = (method: Method, path: string): Route => {
      const found = world.routes.find((r) => r.method === method && r.path === path)
      if (!found) throw new Error(`no route ${method} ${path}`)
      return found
    }
    // Fixed anchors, so the coverage check below never depends on what the random runs happen to reach.
    const start = route('POST', '/v1/verifications')
    const anchors: FuzzRequest[] = [
      { route: route('GET', '/healthz'), url: '/healthz', auth: 'none', body: undefined, headers: {} },
      { route: start, url: start.path, auth: 'none', body: '{}', headers: {} },
      { route: start, url: start.path, auth: 'appA', body: '{}', headers: {} },
      {
        route: route('GET', '/v1/verifications/{verification_id}'),
        url: '/v1/verifications/ver_missing',
        auth: 'appA',
        body: undefined,
        headers: {},
      },
    ]
    await fc.assert(
      fc.asyncProperty(request(world, true), async (req) => {
        const res = await send(world, req)
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        expectContract(req, res)
        expectPrototypesClean()
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400), examples: anchors.map((anchor) => [anchor]) },
    )
    // The fuzzer reached past validation and authentication, not just the front door.
    const reached = [...statuses.keys()]
    expect(reached.some((s) => s < 300)).toBe(true)
    expect(reached).toContain(400)
    expect(reached).toContain(401)
    expect(reached).toContain(404)
  }, 60_000)

  it('a refused request changes no state', async ({ world }) => {
    let compared = 0
    await fc.assert(
      fc.asyncProperty(request(world, false), async (req) => {
        // The factors of the user in the path, too (when the path has one).
        const userMatch = /^\/(?:v1|admin\/v1\/apps\/[^/]+)\/users\/([^/?]+)/.exec(req.url)
        let pathUser: string | undefined
        try {
          pathUser = userMatch?.[1] === undefined ? undefined : decodeURIComponent(userMatch[1])
        } catch {
          pathUser = undefined
        }
        const users = [...world.real.userIds, ...(pathUser && pathUser.length <= 128 ? [pathUser] : [])]
        const before = await snapshot(world, users)
        const res = await send(world, req)
        expectContract(req, res)
        if (res.statusCode < 400) return
        compared++
        expect(await snapshot(world, users), describeRequest(req, res)).toBe(before)
      }),
      { numRuns: Number(process.env.FUZZ_RUNS_STATE ?? 150) },
    )
    expect(compared).toBeGreaterThan(100)
  }, 60_000)

  it('keeps working after the storm: a normal verification still goes through', async ({ world: { t, keys } }) => {
    const started = await t.request('POST', '/v1/verifications', {
      key: keys.b,
      body: { channel: 'email', to: 'after@example.com' },
    })
    expect(started.statusCode).toBe(201)
    const checked = await t.request('POST', '/v1/verifications/verify', {
      key: keys.b,
      body: {
        verification_id: started.json().verification_id,
        verification_code: t.capture.lastCode('after@example.com'),
      },
    })
    expect(checked.statusCode).toBe(200)
    expectPrototypesClean()
  })
})

describe('hand-picked hostile requests', () => {
  it.for([
    [
      'a body over 16 KiB',
      'POST',
      '/v1/verifications',
      `{"channel":"email","to":"${'a'.repeat(20_000)}@example.com"}`,
      413,
    ],
    ['a __proto__ key', 'POST', '/v1/verifications', '{"__proto__":{"polluted":"yes"},"channel":"email"}', 400],
    ['a constructor.prototype key', 'POST', '/v1/tokens/verify', '{"constructor":{"prototype":{"polluted":1}}}', 400],
    [
      'a nested __proto__ in metadata',
      'POST',
      '/v1/verifications',
      '{"channel":"email","to":"a@example.com","metadata":{"__proto__":{"polluted":"yes"}}}',
      400,
    ],
    ['invalid JSON', 'POST', '/v1/verifications/verify', '{"verification_id":', 400],
    ['deep nesting', 'POST', '/v1/verifications', `{"metadata":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`, 400],
    ['a malformed percent-encoding in the path', 'GET', '/v1/verifications/%E0%A4%A', undefined, 400],
    ['a bare % in the path', 'POST', '/v1/users/%/challenges', '{}', 400],
    ['an over-long path parameter', 'GET', `/v1/verifications/${'A'.repeat(2000)}`, undefined, 400],
  ] as const)(
    '%s (%s %s) answers %i in the contract shape',
    async ([_name, method, url, payload, status], { world: { t, keys } }) => {
      const res = await t.tessera.server.inject({
        method: method as Method,
        url,
        headers: {
          authorization: `Bearer ${keys.a}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { payload }),
      })
      expect(res.statusCode, res.body.slice(0, 300)).toBe(status)
      const body = res.json()
      expect(body).toMatchObject({ error: expect.any(String), error_code: expect.any(Number) })
      expect(typeof body.error_description).toBe('string')
      expect(ERROR_CODES[body.error as keyof typeof ERROR_CODES]?.status).toBe(status)
      expectPrototypesClean()
    },
  )

  it('refuses a NUL character anywhere with 400 on every engine (PostgreSQL text cannot hold one)', async ({
    world: { t, real, keys },
  }) => {
    const appId = real.appIds[0] ?? ''
    const admin = { key: TEST_ADMIN_KEY }
    const cases = [
      await t.request('GET', '/admin/v1/apps/%00', admin),
      await t.request('GET', `/admin/v1/apps/${appId}/users/u%00/factors`, admin),
      await t.request('GET', `/admin/v1/apps/${appId}/events?kind=a%00b`, admin),
      await t.request('POST', '/admin/v1/apps', { ...admin, body: { name: 'Nul\u0000App' } }),
      await t.request('GET', '/v1/verifications/ver_%00', { key: keys.a }),
      await t.request('POST', '/v1/verifications', {
        key: keys.a,
        body: { channel: 'email', to: 'nul@example.com', user_id: 'u\u0000' },
      }),
      await t.request('POST', '/v1/verifications', {
        key: keys.a,
        body: { channel: 'email', to: 'nul@example.com', metadata: { 'k\u0000': 'v' } },
      }),
    ]
    for (const res of cases) {
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json()).toMatchObject({ error: 'invalid_request', error_code: 4000 })
    }
    expect(t.capture.messages.filter((m) => m.to === 'nul@example.com')).toHaveLength(0)
  })

  it('answers settings with pollution keys 400 and leaves the app as it was', async ({ world: { t, real } }) => {
    const appId = real.appIds[1] ?? ''
    const before = (await t.request('GET', `/admin/v1/apps/${appId}`, { key: TEST_ADMIN_KEY })).body
    for (const payload of [
      '{"settings":{"__proto__":{"uniform_responses":true}}}',
      '{"settings":{"constructor":{"prototype":{"polluted":true}}}}',
      '{"settings":{"limits":{"__proto__":{"max":1}}}}',
      '{"settings":{"scenes":{"__proto__":{"allowed_types":["sms"]}}}}',
      '{"settings":{"scenes":{"constructor":{"allowed_types":["sms"]}}}}',
      '{"settings":{"scenes":{"prototype":{"allowed_types":["sms"]}}}}',
    ]) {
      const res = await t.tessera.server.inject({
        method: 'PATCH',
        url: `/admin/v1/apps/${appId}`,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        payload,
      })
      expect(res.statusCode, `${payload} → ${res.body}`).toBe(400)
      expect(res.json().error).toBe('invalid_request')
    }
    expect((await t.request('GET', `/admin/v1/apps/${appId}`, { key: TEST_ADMIN_KEY })).body).toBe(before)
    expectPrototypesClean()
  })

  it('answers a verification token that is hostile text as inactive or 400, never 5xx', async ({
    world: { t, real, keys },
  }) => {
    for (const token of [
      ...HOSTILE_STRINGS.slice(0, 20),
      `${real.verificationToken}x`,
      real.verificationToken.toUpperCase(),
    ]) {
      const res = await t.request('POST', '/v1/tokens/verify', { key: keys.a, body: { verification_token: token } })
      expect(res.statusCode, `${JSON.stringify(token)} → ${res.body}`).toBeLessThan(500)
      if (res.statusCode === 200) expect(res.json().active).toBe(false)
    }
  })
})
