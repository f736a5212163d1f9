import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import { TEST_ADMIN_KEY, type TestApp } from './create-test-app.js'

/**
 * The Twilio-compatible API (/v2) as one app calls it, for in-process tests: form posts with HTTP Basic
 * credentials (the app's account_sid and key), as Twilio's helper libraries and curl examples send them.
 */
export interface TwilioApi {
  readonly accountSid: string
  readonly key: string
  post(path: string, form?: Record<string, string>): Promise<LightMyRequestResponse>
  get(path: string): Promise<LightMyRequestResponse>
  delete(path: string): Promise<LightMyRequestResponse>
  /** Creates a service (asserting 201) and answers its sid. */
  serviceOk(form?: Record<string, string>): Promise<string>
  /** Starts a verification (asserting 201): its body, and the code the capture provider received for it. */
  startOk(serviceSid: string, form: Record<string, string>): Promise<{ body: Record<string, unknown>; code: string }>
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}

export async function twilioApi(t: TestApp, app: { appId: string; key: string }): Promise<TwilioApi> {
  const read = await t.request('GET', `/admin/v1/apps/${app.appId}`, { key: TEST_ADMIN_KEY })
  const accountSid: string = read.json().account_sid
  const authorization = basicAuth(accountSid, app.key)
  const api: TwilioApi = {
    accountSid,
    key: app.key,
    post: (path, form = {}) =>
      t.tessera.server.inject({
        method: 'POST',
        url: `/v2${path}`,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      }),
    get: (path) => t.tessera.server.inject({ method: 'GET', url: `/v2${path}`, headers: { authorization } }),
    delete: (path) => t.tessera.server.inject({ method: 'DELETE', url: `/v2${path}`, headers: { authorization } }),
    async serviceOk(form = { FriendlyName: 'Acme Verify' }) {
      const res = await api.post('/Services', form)
      expect(res.statusCode, res.body).toBe(201)
      return res.json().sid
    },
    async startOk(serviceSid, form) {
      const res = await api.post(`/Services/${serviceSid}/Verifications`, form)
      expect(res.statusCode, res.body).toBe(201)
      const body = res.json()
      return { body, code: t.capture.codeOf(body.tessera_verification_id) }
    },
  }
  return api
}
