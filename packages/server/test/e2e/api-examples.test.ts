import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTessera, type Tessera } from '../../src/app.js'
import { loadConfig } from '../../src/config/load-config.js'
import { type CaptureProvider, createCaptureProvider } from '../helpers/capture-provider.js'
import { TEST_ADMIN_KEY, TEST_SECRET } from '../helpers/create-test-app.js'
import { createFakeClock, type FakeClock } from '../helpers/fake-clock.js'
import { csrfOf, pageClient } from './helpers/page-client.js'
import { REPO_ROOT } from './helpers/start-server.js'

// docs/api.md's example requests and answers are made here, by real HTTP requests to a real server (in this
// process, on a port, with a fake clock so times are stable), so they cannot go stale: the test fails when the
// page differs from what the server answers now. `WRITE_API_EXAMPLES=1 npx vitest run --project sqlite
// packages/server/test/e2e/api-examples.test.ts` rewrites the examples in place. Random values (ids, keys,
// codes, tokens, secrets) are replaced with stable stand-ins of the same shape, the same one everywhere a value
// appears. The page must also name every route of the OpenAPI document.

const API_MD = join(REPO_ROOT, 'docs/api.md')
const PUBLIC_URL = 'https://verify.example.com'
const REDIRECT_URL = 'https://app.example.com/verified'
const PHONE = '+14155552671'

let tessera: Tessera
let clock: FakeClock
let capture: CaptureProvider
let baseUrl: string
let dataDir: string
const examples = new Map<string, string>()

// --- stand-ins for random values -------------------------------------------------------------------------------

const standIns = new Map<string, string>()
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
function pseudo(seed: string, length: number, alphabet = ALPHABET): string {
  let out = ''
  for (let block = 0; out.length < length; block++) {
    for (const byte of createHash('sha256').update(`${seed}/${block}`).digest()) out += alphabet[byte % alphabet.length]
  }
  return out.slice(0, length)
}
/** Registers a stand-in for `value`: same length, same character class, derived from the order of appearance. */
function standIn(value: string, make: (n: number) => string): void {
  if (value === '' || standIns.has(value)) return
  standIns.set(value, make(standIns.size))
}
/** Finds the random values of a text (ids, app keys, JWTs) and registers stand-ins for them. */
function learn(text: string): void {
  for (const match of text.matchAll(/\b([a-z]{2,4})_([0-9a-z]{10})([0-9a-z]{6,})\b/g)) {
    const [id, prefix, time, random] = match as unknown as [string, string, string, string]
    standIn(id, (n) => `${prefix}_${time}${pseudo(`${prefix}${n}`, random.length)}`)
  }
  for (const match of text.matchAll(/\btsk_[A-Za-z0-9_-]{20,}/g)) {
    const key = match[0]
    standIn(key, (n) => `tsk_${pseudo(`tsk${n}`, key.length - 4, `${ALPHABET}ABCDEFGHJKLMNPQRSTUVWXYZ`)}`)
    // The key's prefix (what the key list shows) is the stand-in's prefix.
    standIns.set(key.slice(0, 10), (standIns.get(key) as string).slice(0, 10))
  }
  for (const match of text.matchAll(/whsec_[A-Za-z0-9+/=]{20,}/g)) {
    const secret = match[0]
    standIn(secret, (n) => `whsec_${pseudo(`whsec${n}`, secret.length - 6, `${ALPHABET}ABCDEFGHJKLMNPQRSTUVWXYZ+/`)}`)
  }
  // Twilio-style sids (the app's account_sid is derived from its random id).
  for (const match of text.matchAll(/\b(AC|VA|VE|VL)([0-9a-f]{32})\b/g)) {
    const [sid, prefix] = match as unknown as [string, string]
    standIn(sid, (n) => `${prefix}${pseudo(`${prefix}${n}`, 32, '0123456789abcdef')}`)
  }
  for (const match of text.matchAll(/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g)) {
    const jwt = match[0]
    standIn(jwt, (n) =>
      jwt
        .split('.')
        .map((part, i) =>
          i === 0
            ? part.slice(0, 20) + pseudo(`jwt${n}${i}`, part.length - 20, `${ALPHABET}ABCDEFGHIJKLMNOPQRSTUVWXYZ_-`)
            : pseudo(`jwt${n}${i}`, part.length, `${ALPHABET}ABCDEFGHIJKLMNOPQRSTUVWXYZ_-`),
        )
        .join('.'),
    )
  }
}
/** A value the scenario knows is random (a code, a secret): a stand-in of the same shape. */
function secretValue(value: string): void {
  standIn(value, (n) =>
    /^\d+$/.test(value)
      ? pseudo(`code${n}`, value.length, '0123456789')
      : pseudo(`secret${n}`, value.length, /^[A-Z2-7]+$/.test(value) ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567' : ALPHABET),
  )
}
function stable(text: string): string {
  let out = text
  // Longest first, so a key is replaced before its prefix.
  for (const [value, replacement] of [...standIns].sort((a, b) => b[0].length - a[0].length)) {
    out = out.split(value).join(replacement)
  }
  return out.split(baseUrl).join(PUBLIC_URL)
}

// --- requests --------------------------------------------------------------------------------------------------

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
}
const SHOWN_ANSWER_HEADERS = ['idempotent-replayed', 'retry-after', 'cache-control']

interface Call {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  readonly path: string
  readonly key?: string
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

/** Sends one request over HTTP; with a name, records it and its answer as a docs example. Then a second passes. */
// biome-ignore lint/suspicious/noExplicitAny: answers are read by the scenario, whose assertions check them.
async function call(name: string | undefined, request: Call, expectedStatus: number): Promise<any> {
  const headers: Record<string, string> = { ...request.headers }
  if (request.key) headers.authorization = `Bearer ${request.key}`
  if (request.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(baseUrl + request.path, {
    method: request.method,
    headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  })
  const text = await response.text()
  expect(response.status, `${request.method} ${request.path}: ${text}`).toBe(expectedStatus)
  const json = text === '' ? undefined : JSON.parse(text)
  if (name) {
    const requestLines = [`${request.method} ${request.path} HTTP/1.1`]
    if (request.key)
      requestLines.push(`Authorization: Bearer ${request.key === TEST_ADMIN_KEY ? '<admin key>' : request.key}`)
    for (const [header, value] of Object.entries(request.headers ?? {}))
      requestLines.push(`${titleCase(header)}: ${value}`)
    if (request.body !== undefined) requestLines.push('Content-Type: application/json', '', pretty(request.body))
    const answerLines = [`HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? ''}`.trimEnd()]
    for (const header of SHOWN_ANSWER_HEADERS) {
      const value = response.headers.get(header)
      if (value !== null) answerLines.push(`${titleCase(header)}: ${value}`)
    }
    if (json !== undefined) answerLines.push('Content-Type: application/json', '', pretty(shorten(json)))
    const block = `\`\`\`http\n${requestLines.join('\n')}\n\`\`\`\n\n\`\`\`http\n${answerLines.join('\n')}\n\`\`\``
    learn(block)
    examples.set(name, block)
  }
  clock.advanceSeconds(1)
  return json
}

function titleCase(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_all, dash: string, letter: string) => dash + letter.toUpperCase())
}
function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2)
}
/** A QR code's SVG is kilobytes of path data: the docs show its start. */
function shorten(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shorten)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === 'qr_svg' && typeof item === 'string' ? `${item.slice(0, 40)}…</svg>` : shorten(item),
    ]),
  )
}

// --- the scenario ----------------------------------------------------------------------------------------------

beforeAll(async () => {
  clock = createFakeClock(Date.parse('2026-03-02T09:30:00Z'))
  capture = createCaptureProvider()
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-api-examples-'))
  tessera = await createTessera({
    config: loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: ':memory:',
      TESSERA_DATA_DIR: dataDir,
      TESSERA_PUBLIC_URL: PUBLIC_URL,
    }),
    secret: TEST_SECRET,
    adminKey: TEST_ADMIN_KEY,
    logger: pino({ level: 'silent' }),
    clock,
    extraProviders: [capture.provider],
    deliveryRoutes: { sms: [{ type: 'capture' }], email: [{ type: 'capture' }] },
  })
  baseUrl = await tessera.server.listen({ port: 0, host: '127.0.0.1' })
  await runScenario()
})

afterAll(async () => {
  await tessera?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function runScenario(): Promise<void> {
  const admin = TEST_ADMIN_KEY
  // The operator.
  const app = await call(
    'admin-create-app',
    {
      method: 'POST',
      path: '/admin/v1/apps',
      key: admin,
      body: { name: 'Acme', settings: { redirect_urls: [REDIRECT_URL] } },
    },
    201,
  )
  const appId: string = app.app_id
  await call('admin-list-apps', { method: 'GET', path: '/admin/v1/apps?limit=10', key: admin }, 200)
  await call('admin-get-app', { method: 'GET', path: `/admin/v1/apps/${appId}`, key: admin }, 200)
  await call(
    'admin-update-app',
    {
      method: 'PATCH',
      path: `/admin/v1/apps/${appId}`,
      key: admin,
      body: { settings: { brand_color: '#0F766E', channels: { sms: { code_length: 4 } } } },
    },
    200,
  )
  await call(
    undefined,
    {
      method: 'PATCH',
      path: `/admin/v1/apps/${appId}`,
      key: admin,
      body: { settings: { channels: { sms: { code_length: null } } } },
    },
    200,
  )
  await call(
    'admin-template-preview',
    {
      method: 'POST',
      path: `/admin/v1/apps/${appId}/templates/preview`,
      key: admin,
      body: { channel: 'sms', scene: 'login', locale: 'fr' },
    },
    200,
  )
  const created = await call(
    'admin-create-key',
    { method: 'POST', path: `/admin/v1/apps/${appId}/keys`, key: admin, body: { name: 'backend' } },
    201,
  )
  const key: string = created.key
  await call('admin-list-keys', { method: 'GET', path: `/admin/v1/apps/${appId}/keys`, key: admin }, 200)
  await call('unauthorized', { method: 'GET', path: '/v1/verifications/ver_unknown', key: 'tsk_not_a_real_key' }, 401)

  // Verifications.
  const startBody = { channel: 'sms', to: '+1 (415) 555-2671', scene: 'signup', locale: 'en', user_id: 'u_42' }
  const idempotent = { 'idempotency-key': 'signup-u_42-1' }
  const started = await call(
    'start-verification',
    { method: 'POST', path: '/v1/verifications', key, body: startBody, headers: idempotent },
    201,
  )
  const verificationId: string = started.verification_id
  const code = capture.codeOf(verificationId)
  secretValue(code)
  await call(
    'start-replayed',
    { method: 'POST', path: '/v1/verifications', key, body: startBody, headers: idempotent },
    201,
  )
  await call(
    'start-key-reused',
    { method: 'POST', path: '/v1/verifications', key, body: { ...startBody, to: '+14155550100' }, headers: idempotent },
    422,
  )
  await call('resend-too-soon', { method: 'POST', path: `/v1/verifications/${verificationId}/resend`, key }, 429)
  clock.advanceSeconds(30)
  await call('resend', { method: 'POST', path: `/v1/verifications/${verificationId}/resend`, key }, 200)
  const newCode = capture.codeOf(verificationId)
  secretValue(newCode)
  const wrongCode = newCode === '000000' ? '111111' : '000000'
  await call(
    'verify-wrong-code',
    {
      method: 'POST',
      path: '/v1/verifications/verify',
      key,
      body: { verification_id: verificationId, verification_code: wrongCode },
    },
    400,
  )
  const approved = await call(
    'verify',
    {
      method: 'POST',
      path: '/v1/verifications/verify',
      key,
      body: { verification_id: verificationId, verification_code: newCode },
    },
    200,
  )
  const token: string = approved.verification_token
  await call('get-verification', { method: 'GET', path: `/v1/verifications/${verificationId}`, key }, 200)
  const other = await call(
    undefined,
    { method: 'POST', path: '/v1/verifications', key, body: { channel: 'email', to: 'ada@example.com' } },
    201,
  )
  await call(
    'cancel-verification',
    { method: 'POST', path: `/v1/verifications/${other.verification_id}/cancel`, key },
    200,
  )

  // Tokens.
  await call(
    'introspect-token',
    { method: 'POST', path: '/v1/tokens/verify', key, body: { verification_token: token, scene: 'signup' } },
    200,
  )
  await call(
    'consume-token',
    {
      method: 'POST',
      path: '/v1/tokens/verify',
      key,
      body: { verification_token: token, scene: 'signup', consume: true },
    },
    200,
  )
  await call(
    'consume-token-again',
    {
      method: 'POST',
      path: '/v1/tokens/verify',
      key,
      body: { verification_token: token, scene: 'signup', consume: true },
    },
    200,
  )
  const jwks = await call('jwks', { method: 'GET', path: '/.well-known/jwks.json' }, 200)
  for (const jwk of jwks.keys as { x: string }[]) secretValue(jwk.x)

  // Users, factors, challenges.
  const user = '/v1/users/u_42'
  const boundSms = await call(
    'bind-sms-factor',
    { method: 'POST', path: `${user}/factors`, key, body: { type: 'sms', to: PHONE } },
    201,
  )
  const smsCode = capture.codeOf(boundSms.verification_id)
  secretValue(smsCode)
  await call(
    'activate-factor',
    {
      method: 'POST',
      path: `${user}/factors/${boundSms.factor_id}/activate`,
      key,
      body: { verification_code: smsCode },
    },
    200,
  )
  const totp = await call(
    'bind-totp-factor',
    { method: 'POST', path: `${user}/factors`, key, body: { type: 'totp' } },
    201,
  )
  secretValue(totp.secret)
  await call(
    'bind-password-factor',
    {
      method: 'POST',
      path: `${user}/factors`,
      key,
      body: { type: 'password', password: 'correct horse battery staple' },
    },
    201,
  )
  const challenged = await call(
    'challenge-password',
    { method: 'POST', path: `${user}/challenges`, key, body: { scene: 'step-up', type: 'password' } },
    201,
  )
  const stepUp = await call(
    'verify-password',
    {
      method: 'POST',
      path: '/v1/verifications/verify',
      key,
      body: { verification_id: challenged.verification_id, verification_code: 'correct horse battery staple' },
    },
    200,
  )
  const backup = await call(
    'bind-backup-codes',
    { method: 'POST', path: `${user}/factors`, key, body: { type: 'backup-code' } },
    201,
  )
  for (const backupCode of backup.codes as string[]) secretValue(backupCode)
  await call('list-factors', { method: 'GET', path: `${user}/factors`, key }, 200)
  await call(
    'challenge-sms',
    { method: 'POST', path: `${user}/challenges`, key, body: { scene: '2fa', type: 'sms' } },
    201,
  )
  await call('remove-factor-refused', { method: 'DELETE', path: `${user}/factors/${totp.factor_id}`, key }, 403)
  await call(
    'remove-factor',
    {
      method: 'DELETE',
      path: `${user}/factors/${totp.factor_id}`,
      key,
      headers: { 'x-verification-token': stepUp.verification_token },
    },
    204,
  )

  // Hosted sessions: create, the person's pages, the exchange.
  const session = await call(
    'create-session',
    {
      method: 'POST',
      path: '/v1/sessions',
      key,
      body: {
        channel: ['sms', 'email'],
        redirect_url: REDIRECT_URL,
        scene: 'signup',
        state: 'signup-123',
        response_mode: 'code',
      },
    },
    201,
  )
  const person = pageClient(baseUrl)
  const hostedPath = `/hosted/${session.session_id}`
  const entry = await person.get(hostedPath)
  await person.post(`${hostedPath}/start`, {
    csrf: csrfOf(entry.text),
    channel: 'sms',
    country: 'US',
    phone: '(415) 555-0199',
  })
  const codePage = await person.get(hostedPath)
  const verifiedPage = await person.post(`${hostedPath}/verify`, {
    csrf: csrfOf(codePage.text),
    code: capture.lastCode('+14155550199'),
  })
  const exchangeCode = new URL(verifiedPage.headers.get('location') ?? '').searchParams.get('code') ?? ''
  secretValue(exchangeCode)
  await call(
    'exchange-session',
    { method: 'POST', path: `/v1/sessions/${session.session_id}/exchange`, key, body: { code: exchangeCode } },
    200,
  )

  // The operator again.
  await call(
    'admin-verifications',
    { method: 'GET', path: `/admin/v1/apps/${appId}/verifications?limit=2`, key: admin },
    200,
  )
  await call(
    'admin-events',
    { method: 'GET', path: `/admin/v1/apps/${appId}/events?kind=token.consumed&limit=3`, key: admin },
    200,
  )
  await call(
    'admin-user-factors',
    { method: 'GET', path: `/admin/v1/apps/${appId}/users/u_42/factors`, key: admin },
    200,
  )
  await call(
    'admin-remove-factor',
    { method: 'DELETE', path: `/admin/v1/apps/${appId}/users/u_42/factors/${boundSms.factor_id}`, key: admin },
    204,
  )
  const rotated = await call(
    'admin-rotate-signing-key',
    { method: 'POST', path: '/admin/v1/signing-keys/rotate', key: admin },
    200,
  )
  await call('admin-signing-keys', { method: 'GET', path: '/admin/v1/signing-keys', key: admin }, 200)
  await call(
    'admin-revoke-signing-key',
    { method: 'POST', path: `/admin/v1/signing-keys/${rotated.kid}/revoke`, key: admin },
    200,
  )
  await call(
    'admin-revoke-key',
    { method: 'DELETE', path: `/admin/v1/apps/${appId}/keys/${created.key_id}`, key: admin },
    204,
  )

  // Event webhooks (docs/events.md).
  const hook = await call(
    'admin-create-webhook',
    {
      method: 'POST',
      path: `/admin/v1/apps/${appId}/webhooks`,
      key: admin,
      body: { url: 'https://api.example.com/tessera-events', events: ['verification.*'], description: 'CRM sync' },
    },
    201,
  )
  await call('admin-list-webhooks', { method: 'GET', path: `/admin/v1/apps/${appId}/webhooks`, key: admin }, 200)
  await call(
    'admin-update-webhook',
    {
      method: 'PATCH',
      path: `/admin/v1/apps/${appId}/webhooks/${hook.webhook_id}`,
      key: admin,
      body: { enabled: false },
    },
    200,
  )
  await call(
    'admin-rotate-webhook-secret',
    { method: 'POST', path: `/admin/v1/apps/${appId}/webhooks/${hook.webhook_id}/rotate-secret`, key: admin },
    200,
  )
  await call(
    'admin-delete-webhook',
    { method: 'DELETE', path: `/admin/v1/apps/${appId}/webhooks/${hook.webhook_id}`, key: admin },
    204,
  )

  // Operations.
  await call('healthz', { method: 'GET', path: '/healthz' }, 200)
  await call('readyz', { method: 'GET', path: '/readyz' }, 200)
}

// --- the page --------------------------------------------------------------------------------------------------

const MARKER = /<!-- example: ([a-z0-9-]+) -->\n[\s\S]*?<!-- \/example -->/g

function pageWithExamples(page: string): string {
  return page.replace(MARKER, (_all, name: string) => {
    const block = examples.get(name)
    return `<!-- example: ${name} -->\n${block === undefined ? `(no example named ${name})` : stable(block)}\n<!-- /example -->`
  })
}

describe('docs/api.md', () => {
  it('shows, for every example, what the server answers now', () => {
    let page = readFileSync(API_MD, 'utf8')
    const fresh = pageWithExamples(page)
    if (process.env.WRITE_API_EXAMPLES === '1') {
      writeFileSync(API_MD, fresh)
      page = fresh
    }
    const named = [...page.matchAll(MARKER)].map((match) => match[1])
    expect(
      [...examples.keys()].filter((name) => !named.includes(name)),
      'examples made but not on the page',
    ).toEqual([])
    expect(
      fresh === page,
      'docs/api.md examples are stale: WRITE_API_EXAMPLES=1 npx vitest run --project sqlite packages/server/test/e2e/api-examples.test.ts',
    ).toBe(true)
  })

  it('names every route of the OpenAPI document', () => {
    const page = readFileSync(API_MD, 'utf8')
    const paths = (tessera.server.swagger() as { paths: Record<string, Record<string, unknown>> }).paths
    const missing: string[] = []
    for (const [path, operations] of Object.entries(paths)) {
      for (const method of Object.keys(operations)) {
        const route = `${method.toUpperCase()} ${path}`
        if (!page.includes(route)) missing.push(route)
      }
    }
    expect(missing).toEqual([])
  })
})
