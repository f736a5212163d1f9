import { createHmac } from 'node:crypto'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the tests' assertions
export type Json = any

export interface ApiResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: Json
}

/**
 * One request to a running server, bounded by a timeout: a JSON body with an optional bearer key, or a form
 * post with HTTP Basic credentials (the Twilio-compatible API).
 */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    key?: string
    body?: unknown
    basic?: readonly [user: string, password: string]
    form?: Record<string, string>
    timeoutMs?: number
  } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {}
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`
  if (options.basic !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${options.basic[0]}:${options.basic[1]}`).toString('base64')}`
  }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (options.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body:
      options.form !== undefined
        ? new URLSearchParams(options.form).toString()
        : options.body === undefined
          ? undefined
          : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  })
  const text = await response.text()
  let body: Json
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = text
  }
  return { status: response.status, headers: response.headers, body }
}

export interface CreatedApp {
  readonly appId: string
  readonly key: string
}

/** App `limits` settings high enough that a load test is stopped by its faults only, never by a limit. */
export const LIMITS_OUT_OF_THE_WAY = {
  sends_per_identifier: { max: 100_000 },
  sends_per_identifier_daily: { max: 100_000 },
  sends_per_app: { max: 1_000_000 },
  sms_sends_per_country: { max: 1_000_000 },
  sms_sends_per_prefix: { max: 1_000_000 },
  failed_checks_per_identifier: { max: 100_000 },
  requests_per_key: { max: 1_000_000 },
} as const

/** Creates an app and a key through the admin API. */
export async function createAppWithKey(
  baseUrl: string,
  adminKey: string,
  name: string,
  settings?: Record<string, unknown>,
): Promise<CreatedApp> {
  const app = await call(baseUrl, 'POST', '/admin/v1/apps', {
    key: adminKey,
    body: settings === undefined ? { name } : { name, settings },
  })
  if (app.status !== 201) throw new Error(`create app: ${app.status} ${JSON.stringify(app.body)}`)
  const appId: string = app.body.app_id
  const key = await call(baseUrl, 'POST', `/admin/v1/apps/${appId}/keys`, { key: adminKey, body: {} })
  if (key.status !== 201) throw new Error(`create key: ${key.status} ${JSON.stringify(key.body)}`)
  return { appId, key: key.body.key }
}

/** Standard Webhooks: `v1,` + base64(HMAC-SHA256(secret bytes, "id.timestamp.body")). */
export function standardWebhookSignature(secret: string, id: string, timestamp: string, body: string): string {
  const bytes = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8')
  return `v1,${createHmac('sha256', bytes).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/** The code in an SMS body: "Your X verification code is 123456. ..." */
export function codeFromSms(body: string): string {
  const match = /verification code is ([A-Z0-9]{4,10})\b/.exec(body)
  if (!match?.[1]) throw new Error(`no code in SMS body: ${body}`)
  return match[1]
}

/** The code in an email's text part: "verification code is:\n\n    123456" */
export function codeFromEmailText(text: string): string {
  const match = /verification code is:\s+([A-Z0-9]{4,10})\b/.exec(text)
  if (!match?.[1]) throw new Error(`no code in email text: ${text}`)
  return match[1]
}

/** A wrong code of the same shape as `code`. */
export function wrongCodeFor(code: string): string {
  const first = code[0] === '0' ? '1' : '0'
  return `${first}${code.slice(1)}`
}
