import { describe, expect, it } from '../../../test/helpers/fixtures.js'

// In-process races: every request interleaves at each await, so a check that
// read-then-wrote without a conditional update would approve twice here.
// test/e2e runs the same rules over real HTTP against a server process.

const EMAIL = { channel: 'email', to: 'a@example.com' }

describe('parallel checks', () => {
  it('50 concurrent checks of the correct code yield exactly one token', async ({ api }) => {
    const { id, code } = await api.startOk(EMAIL)
    const results = await Promise.all(Array.from({ length: 50 }, () => api.verify(id, code)))
    const approved = results.filter((r) => r.statusCode === 200)
    expect(approved).toHaveLength(1)
    expect(results.filter((r) => r.statusCode === 409).length).toBe(49)
    expect(results.every((r) => r.statusCode < 500)).toBe(true)
  })

  it('100 concurrent wrong checks never count more than max_attempts, then the right code is refused', async ({
    api,
  }) => {
    const { id, code } = await api.startOk(EMAIL)
    const wrong = code === '000000' ? '111111' : '000000'
    const results = await Promise.all(Array.from({ length: 100 }, () => api.verify(id, wrong)))
    expect(results.every((r) => r.statusCode === 400 || r.statusCode === 429)).toBe(true)
    expect(results.filter((r) => r.statusCode === 400)).toHaveLength(4)
    const view = (await api.get(id)).json()
    expect(view).toMatchObject({ attempts: 5, status: 'max_attempts_reached' })
    expect((await api.verify(id, code)).statusCode).toBe(429)
  })

  it('mixed right and wrong checks in parallel approve at most once and never exceed the limit', async ({ api }) => {
    const { id, code } = await api.startOk(EMAIL)
    const wrong = code === '000000' ? '111111' : '000000'
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => api.verify(id, i % 3 === 0 ? code : wrong)))
    expect(results.filter((r) => r.statusCode === 200).length).toBeLessThanOrEqual(1)
    const view = (await api.get(id)).json()
    expect(view.attempts).toBeLessThanOrEqual(5)
  })

  it('parallel resends send at most one new code inside the cooldown', async ({ t, api }) => {
    const { id } = await api.startOk(EMAIL)
    t.clock.advanceSeconds(30)
    const results = await Promise.all(Array.from({ length: 20 }, () => api.resend(id)))
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1)
    expect(t.capture.messages).toHaveLength(2)
    expect((await api.get(id)).json().sends).toBe(2)
  })
})
