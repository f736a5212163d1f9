import type { LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import type { TestApp } from './create-test-app.js'

/**
 * The HTTP API as one app's backend calls it, for in-process tests: one helper instead of the
 * start/verify/bind/challenge functions each test file used to write again. Answers are Fastify
 * inject responses, so a test still asserts status codes and bodies itself; the `…Ok` forms assert
 * the happy status and answer the body's useful part.
 */
export interface TestApi {
  readonly key: string
  start(body: Record<string, unknown>): Promise<LightMyRequestResponse>
  /** Starts (asserting 201) and answers the verification id and the code the capture provider received for it. */
  startOk(body: Record<string, unknown>): Promise<{ id: string; code: string }>
  resend(verificationId: string, body?: Record<string, unknown>): Promise<LightMyRequestResponse>
  verify(verificationId: string, code: string): Promise<LightMyRequestResponse>
  get(verificationId: string): Promise<LightMyRequestResponse>
  cancel(verificationId: string): Promise<LightMyRequestResponse>
  introspect(token: string, options?: { scene?: string; consume?: boolean }): Promise<LightMyRequestResponse>
  bind(userId: string, body: Record<string, unknown>, stepUpToken?: string): Promise<LightMyRequestResponse>
  activate(userId: string, factorId: string, code: string): Promise<LightMyRequestResponse>
  /** Binds a factor whose type delivers codes (sms, email) and activates it with the code sent (asserting each step); answers the factor id. */
  bindActive(userId: string, body: Record<string, unknown>): Promise<string>
  factors(userId: string): Promise<Array<Record<string, unknown>>>
  remove(userId: string, factorId: string, stepUpToken?: string): Promise<LightMyRequestResponse>
  challenge(userId: string, body: Record<string, unknown>): Promise<LightMyRequestResponse>
  /** Challenges and answers the verification id (asserting 201). */
  challengeOk(userId: string, body: Record<string, unknown>): Promise<string>
  /** A `step-up` token from the user's password factor (asserting each step). */
  stepUpWithPassword(userId: string, password: string): Promise<string>
}

export function testApi(t: TestApp, key: string): TestApi {
  const withToken = (token: string | undefined) =>
    token === undefined ? {} : { headers: { 'x-verification-token': token } }
  const api: TestApi = {
    key,
    start: (body) => t.request('POST', '/v1/verifications', { key, body }),
    async startOk(body) {
      const res = await api.start(body)
      expect(res.statusCode, res.body).toBe(201)
      const id: string = res.json().verification_id
      return { id, code: t.capture.codeOf(id) }
    },
    resend: (id, body = {}) => t.request('POST', `/v1/verifications/${id}/resend`, { key, body }),
    verify: (id, code) =>
      t.request('POST', '/v1/verifications/verify', { key, body: { verification_id: id, verification_code: code } }),
    get: (id) => t.request('GET', `/v1/verifications/${id}`, { key }),
    cancel: (id) => t.request('POST', `/v1/verifications/${id}/cancel`, { key, body: {} }),
    introspect: (token, options = {}) =>
      t.request('POST', '/v1/tokens/verify', { key, body: { verification_token: token, ...options } }),
    bind: (userId, body, stepUpToken) =>
      t.request('POST', `/v1/users/${userId}/factors`, { key, body, ...withToken(stepUpToken) }),
    activate: (userId, factorId, code) =>
      t.request('POST', `/v1/users/${userId}/factors/${factorId}/activate`, {
        key,
        body: { verification_code: code },
      }),
    async bindActive(userId, body) {
      const bound = await api.bind(userId, body)
      expect(bound.statusCode, bound.body).toBe(201)
      const { factor_id: factorId, verification_id: verificationId } = bound.json()
      const activated = await api.activate(userId, factorId, t.capture.codeOf(verificationId))
      expect(activated.statusCode, activated.body).toBe(200)
      return factorId
    },
    async factors(userId) {
      const res = await t.request('GET', `/v1/users/${userId}/factors`, { key })
      expect(res.statusCode, res.body).toBe(200)
      return res.json().factors
    },
    remove: (userId, factorId, stepUpToken) =>
      t.request('DELETE', `/v1/users/${userId}/factors/${factorId}`, { key, ...withToken(stepUpToken) }),
    challenge: (userId, body) => t.request('POST', `/v1/users/${userId}/challenges`, { key, body }),
    async challengeOk(userId, body) {
      const res = await api.challenge(userId, body)
      expect(res.statusCode, res.body).toBe(201)
      return res.json().verification_id
    },
    async stepUpWithPassword(userId, password) {
      const id = await api.challengeOk(userId, { scene: 'step-up', type: 'password' })
      const res = await api.verify(id, password)
      expect(res.statusCode, res.body).toBe(200)
      return res.json().verification_token
    },
  }
  return api
}
