import type { LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { twilioApi } from '../../../test/helpers/twilio-api.js'
import { AppError } from '../../errors/app-error.js'
import { ERROR_CODES, type ErrorCode } from '../../errors/error-codes.js'
import { toTwilioError } from './twilio-errors.js'

const wrong = (code: string) => `${code[0] === '0' ? '1' : '0'}${code.slice(1)}`

function expectTwilioError(res: LightMyRequestResponse, code: number, status: number) {
  expect(res.statusCode, res.body).toBe(status)
  expect(res.json()).toEqual({
    code,
    message: expect.any(String),
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  })
}

describe('Twilio face: Tessera’s limits answer with Twilio’s codes', () => {
  it('60202 on the check that uses up the last attempt and after it; status max_attempts_reached', async ({
    t,
    app,
  }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const { body, code } = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    const check = (c: string) => api.post(`/Services/${serviceSid}/VerificationCheck`, { To: '+14155552671', Code: c })
    for (let i = 0; i < 4; i++) expect((await check(wrong(code))).json()).toMatchObject({ valid: false })
    expectTwilioError(await check(wrong(code)), 60202, 429)
    const locked = await api.post(`/Services/${serviceSid}/VerificationCheck`, {
      VerificationSid: String(body.sid),
      Code: code,
    })
    expect([404, 429]).toContain(locked.statusCode)
    const fetched = await api.get(`/Services/${serviceSid}/Verifications/${body.sid}`)
    expect(fetched.json()).toMatchObject({ status: 'max_attempts_reached', valid: false })
  })

  it('60203 when starting again has used up the verification’s sends', async ({ t, appWith }) => {
    const { appId, key } = await appWith({ channels: { sms: { max_sends: 2 } } })
    const api = await twilioApi(t, { appId, key })
    const serviceSid = await api.serviceOk()
    await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    const again = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    expect(again.body.send_code_attempts).toHaveLength(2)
    expectTwilioError(
      await api.post(`/Services/${serviceSid}/Verifications`, { To: '+14155552671', Channel: 'sms' }),
      60203,
      429,
    )
    expect(t.capture.messages).toHaveLength(2)
  })

  it('60212 for the per-number send limit, 20429 for other limits (with Retry-After)', async ({ t, appWith }) => {
    const { appId, key } = await appWith({
      limits: { sends_per_identifier: { max: 1 }, sends_per_ip: { max: 2 } },
    })
    const api = await twilioApi(t, { appId, key })
    const serviceSid = await api.serviceOk()
    await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms', DeviceIp: '203.0.113.7' })
    const sameNumber = await api.post(`/Services/${serviceSid}/Verifications`, {
      To: '+14155552671',
      Channel: 'sms',
    })
    expectTwilioError(sameNumber, 60212, 429)
    await api.startOk(serviceSid, { To: '+14155550100', Channel: 'sms', DeviceIp: '203.0.113.7' })
    const sameIp = await api.post(`/Services/${serviceSid}/Verifications`, {
      To: '+14155550101',
      Channel: 'sms',
      DeviceIp: '203.0.113.7',
    })
    expectTwilioError(sameIp, 20429, 429)
    expect(Number(sameIp.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('60410 when the SMS pumping guard blocks the destination or its velocity', async ({ t, appWith }) => {
    const { appId, key } = await appWith({
      channels: { sms: { blocked_countries: ['DE'] } },
      limits: { sms_sends_per_country: { max: 1 } },
    })
    const api = await twilioApi(t, { appId, key })
    const serviceSid = await api.serviceOk()
    expectTwilioError(
      await api.post(`/Services/${serviceSid}/Verifications`, { To: '+491701230001', Channel: 'sms' }),
      60410,
      403,
    )
    await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    expectTwilioError(
      await api.post(`/Services/${serviceSid}/Verifications`, { To: '+14155550100', Channel: 'sms' }),
      60410,
      403,
    )
    expect(t.capture.messages).toHaveLength(1)
  })

  it('60205 when the provider says the number cannot take SMS; 20503 when delivery fails', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    t.capture.failNext(1, 'invalid_recipient')
    expectTwilioError(
      await api.post(`/Services/${serviceSid}/Verifications`, { To: '+14155552671', Channel: 'sms' }),
      60205,
      400,
    )
    t.capture.failNext(1)
    expectTwilioError(
      await api.post(`/Services/${serviceSid}/Verifications`, { To: '+14155552671', Channel: 'sms' }),
      20503,
      503,
    )
    // Neither left a verification behind: the next start is a fresh one with one send.
    const { body } = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    expect(body.send_code_attempts).toHaveLength(1)
  })
})

describe('Twilio face: parallel checks hold the attempt limit', () => {
  it('judges at most max_attempts guesses of a burst of wrong codes', async ({ t, appWith }) => {
    const { appId, key } = await appWith({ channels: { sms: { max_attempts: 3 } } })
    const api = await twilioApi(t, { appId, key })
    const serviceSid = await api.serviceOk()
    const { body, code } = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        api.post(`/Services/${serviceSid}/VerificationCheck`, { VerificationSid: String(body.sid), Code: wrong(code) }),
      ),
    )
    const pending = answers.filter((res) => res.statusCode === 200)
    const limited = answers.filter((res) => res.statusCode === 429)
    expect(pending.length + limited.length).toBe(12)
    // A judged wrong guess answers the verification as it now is: pending, or locked by a guess beside it.
    for (const res of pending) {
      expect(res.json().valid).toBe(false)
      expect(['pending', 'max_attempts_reached']).toContain(res.json().status)
    }
    for (const res of limited) expect(res.json().code).toBe(60202)
    expect(pending.length).toBeLessThanOrEqual(2)
    const v1 = await t.request('GET', `/v1/verifications/${body.tessera_verification_id}`, { key })
    expect(v1.json()).toMatchObject({ attempts: 3, status: 'max_attempts_reached' })
    // The right code is refused now.
    const late = await api.post(`/Services/${serviceSid}/VerificationCheck`, {
      VerificationSid: String(body.sid),
      Code: code,
    })
    expect(late.json().valid).not.toBe(true)
  })

  it('approves a burst of right codes exactly once and holds one token', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const { body, code } = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.post(`/Services/${serviceSid}/VerificationCheck`, { To: '+14155552671', Code: code }),
      ),
    )
    const approved = answers.filter((res) => res.statusCode === 200)
    expect(approved).toHaveLength(1)
    expect(approved[0]?.json()).toMatchObject({ status: 'approved', valid: true })
    for (const res of answers.filter((r) => r.statusCode !== 200)) expect(res.json().code).toBe(20404)
    const reads = await Promise.all(
      Array.from({ length: 4 }, () =>
        t.request('GET', `/v1/verifications/${body.tessera_verification_id}`, { key: app.key }),
      ),
    )
    expect(reads.filter((res) => typeof res.json().verification_token === 'string')).toHaveLength(1)
  })
})

describe('the Tessera → Twilio error table', () => {
  it('gives every catalogue code a Twilio code, status and docs link', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const body = toTwilioError(new AppError(code))
      expect(body.code, code).toBeGreaterThanOrEqual(20000)
      expect(body.more_info).toBe(`https://www.twilio.com/docs/errors/${body.code}`)
      expect([400, 401, 403, 404, 405, 429, 500, 503]).toContain(body.status)
    }
    expect(toTwilioError(new AppError('unauthorized')).code).toBe(20003)
    expect(toTwilioError(new AppError('verification_expired')).code).toBe(20404)
    expect(toTwilioError(new AppError('max_attempts_reached')).code).toBe(60202)
    expect(toTwilioError(new AppError('max_sends_reached')).code).toBe(60203)
    expect(toTwilioError(new AppError('invalid_identifier', { reason: 'unreachable' })).code).toBe(60205)
    expect(toTwilioError(new AppError('invalid_identifier', { reason: 'guard' })).code).toBe(60410)
    expect(toTwilioError(new AppError('rate_limited', { details: { limit: 'conversion_guard' } })).code).toBe(60410)
    expect(toTwilioError(new AppError('rate_limited', { details: { limit: 'sends_per_identifier' } })).code).toBe(60212)
    expect(toTwilioError(new AppError('rate_limited', { details: { limit: 'sends_per_app' } })).code).toBe(20429)
  })
})
