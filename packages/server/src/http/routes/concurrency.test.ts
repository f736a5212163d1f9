import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../../test/helpers/create-test-app.js'

// In-process races: every request interleaves at each await, so a check that
// read-then-wrote without a conditional update would approve twice here.
// test/e2e runs the same rules over real HTTP against a server process.

let t: TestApp
let key: string
beforeEach(async () => {
  t = await createTestApp()
  ;({ key } = await t.createApp())
})
afterEach(async () => {
  await t.close()
})

async function startOne() {
  const res = await t.request('POST', '/v1/verifications', { key, body: { channel: 'email', to: 'a@example.com' } })
  return { id: res.json().verification_id as string, code: t.capture.lastCode() }
}

const check = (id: string, code: string) =>
  t.request('POST', '/v1/verifications/verify', { key, body: { verification_id: id, verification_code: code } })

describe('parallel checks', () => {
  it('50 concurrent checks of the correct code yield exactly one token', async () => {
    const { id, code } = await startOne()
    const results = await Promise.all(Array.from({ length: 50 }, () => check(id, code)))
    const approved = results.filter((r) => r.statusCode === 200)
    expect(approved).toHaveLength(1)
    expect(results.filter((r) => r.statusCode === 409).length).toBe(49)
    expect(results.every((r) => r.statusCode < 500)).toBe(true)
  })

  it('100 concurrent wrong checks never count more than max_attempts, then the right code is refused', async () => {
    const { id, code } = await startOne()
    const wrong = code === '000000' ? '111111' : '000000'
    const results = await Promise.all(Array.from({ length: 100 }, () => check(id, wrong)))
    expect(results.every((r) => r.statusCode === 400 || r.statusCode === 429)).toBe(true)
    expect(results.filter((r) => r.statusCode === 400)).toHaveLength(4)
    const view = (await t.request('GET', `/v1/verifications/${id}`, { key })).json()
    expect(view).toMatchObject({ attempts: 5, status: 'max_attempts_reached' })
    expect((await check(id, code)).statusCode).toBe(429)
  })

  it('mixed right and wrong checks in parallel approve at most once and never exceed the limit', async () => {
    const { id, code } = await startOne()
    const wrong = code === '000000' ? '111111' : '000000'
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => check(id, i % 3 === 0 ? code : wrong)))
    expect(results.filter((r) => r.statusCode === 200).length).toBeLessThanOrEqual(1)
    const view = (await t.request('GET', `/v1/verifications/${id}`, { key })).json()
    expect(view.attempts).toBeLessThanOrEqual(5)
  })

  it('parallel resends send at most one new code inside the cooldown', async () => {
    const { id } = await startOne()
    t.clock.advanceSeconds(30)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.request('POST', `/v1/verifications/${id}/resend`, { key })),
    )
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1)
    expect(t.capture.messages).toHaveLength(2)
    expect((await t.request('GET', `/v1/verifications/${id}`, { key })).json().sends).toBe(2)
  })
})
