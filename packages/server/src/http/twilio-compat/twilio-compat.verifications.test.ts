import pino from 'pino'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { twilioApi } from '../../../test/helpers/twilio-api.js'
import { startPruneJob } from '../../core/prune-job.js'

const wrong = (code: string) => `${code[0] === '0' ? '1' : '0'}${code.slice(1)}`

describe('Twilio face: verifications', () => {
  it('starts with Twilio’s fields; the service’s code length and friendly name shape the message', async ({
    t,
    app,
  }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk({ FriendlyName: 'Acme Login', CodeLength: '4' })
    const { body, code } = await api.startOk(serviceSid, {
      To: '+1 415 555 2671',
      Channel: 'sms',
      Locale: 'fr',
      DeviceIp: '203.0.113.9',
    })
    expect(body).toEqual({
      sid: expect.stringMatching(/^VE[0-9a-f]{32}$/),
      service_sid: serviceSid,
      account_sid: api.accountSid,
      to: '+14155552671',
      channel: 'sms',
      status: 'pending',
      valid: false,
      lookup: {},
      amount: null,
      payee: null,
      send_code_attempts: [
        { attempt_sid: expect.stringMatching(/^VL[0-9a-f]{32}$/), channel: 'sms', time: '2026-01-01T00:00:00Z' },
      ],
      date_created: '2026-01-01T00:00:00Z',
      date_updated: '2026-01-01T00:00:00Z',
      sna: null,
      url: `http://tessera.test/v2/Services/${serviceSid}/Verifications/${body.sid}`,
      tessera_verification_id: expect.stringMatching(/^ver_/),
    })
    expect(code).toMatch(/^\d{4}$/)
    const message = t.capture.messages.at(-1)
    expect(message?.text).toContain('Acme Login')
    expect(message?.locale).toBe('fr')

    // The same verification through /v1: the Tessera view names the Twilio sids.
    const v1 = await t.request('GET', `/v1/verifications/${body.tessera_verification_id}`, { key: app.key })
    expect(v1.json()).toMatchObject({
      status: 'pending',
      channel: 'sms',
      scene: 'verify-identifier',
      metadata: { verify_service_sid: serviceSid, verification_sid: body.sid },
    })

    // CustomFriendlyName names the app in this verification's message only.
    await api.startOk(serviceSid, { To: 'ada@example.com', Channel: 'email', CustomFriendlyName: 'Acme Pay' })
    expect(t.capture.messages.at(-1)?.text).toContain('Acme Pay')
  })

  it('starting again for a pending To sends a new code on the same verification', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const first = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    t.clock.advanceSeconds(5)
    const again = await api.startOk(serviceSid, { To: '+1 (415) 555-2671', Channel: 'sms' })
    expect(again.body.sid).toBe(first.body.sid)
    expect(again.body.tessera_verification_id).toBe(first.body.tessera_verification_id)
    expect(again.body.send_code_attempts).toEqual([
      expect.objectContaining({ channel: 'sms', time: '2026-01-01T00:00:00Z' }),
      expect.objectContaining({ channel: 'sms', time: '2026-01-01T00:00:05Z' }),
    ])
    // The previous code stopped working (when they differ); the new one approves.
    if (first.code !== again.code) {
      const old = await api.post(`/Services/${serviceSid}/VerificationCheck`, { To: '+14155552671', Code: first.code })
      expect(old.json()).toMatchObject({ status: 'pending', valid: false })
    }
    const ok = await api.post(`/Services/${serviceSid}/VerificationCheck`, { To: '+14155552671', Code: again.code })
    expect(ok.json()).toMatchObject({ sid: first.body.sid, status: 'approved', valid: true })
    // Once approved, a start for the number is a new verification.
    const fresh = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    expect(fresh.body.sid).not.toBe(first.body.sid)
  })

  it('checks: wrong code 200 pending, right code approved, then 404 after approval, expiry or cancel', async ({
    t,
    app,
  }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const { body, code } = await api.startOk(serviceSid, { To: 'ada@example.com', Channel: 'email' })
    const check = (form: Record<string, string>) => api.post(`/Services/${serviceSid}/VerificationCheck`, form)

    const bad = await check({ To: 'ada@example.com', Code: wrong(code) })
    expect(bad.statusCode).toBe(200)
    expect(bad.json()).toEqual({
      sid: body.sid,
      service_sid: serviceSid,
      account_sid: api.accountSid,
      to: 'ada@example.com',
      channel: 'email',
      status: 'pending',
      valid: false,
      amount: null,
      payee: null,
      sna_attempts_error_codes: [],
      date_created: '2026-01-01T00:00:00Z',
      date_updated: expect.any(String),
      tessera_verification_id: body.tessera_verification_id,
    })
    const good = await check({ VerificationSid: String(body.sid), Code: code })
    expect(good.json()).toMatchObject({ status: 'approved', valid: true })
    const afterChecks: Array<Record<string, string>> = [
      { VerificationSid: String(body.sid), Code: code },
      { To: 'ada@example.com', Code: code },
    ]
    for (const form of afterChecks) {
      const after = await check(form)
      expect(after.statusCode).toBe(404)
      expect(after.json()).toMatchObject({ code: 20404, status: 404 })
    }
    expect((await api.get(`/Services/${serviceSid}/Verifications/${body.sid}`)).json()).toMatchObject({
      status: 'approved',
      valid: true,
    })

    // Expiry: the app's ttl (600 s) passes.
    const late = await api.startOk(serviceSid, { To: '+14155550100', Channel: 'sms' })
    t.clock.advanceSeconds(601)
    const lateChecks: Array<Record<string, string>> = [
      { VerificationSid: String(late.body.sid), Code: late.code },
      { To: '+14155550100', Code: late.code },
    ]
    for (const form of lateChecks) {
      const res = await check(form)
      expect(res.statusCode).toBe(404)
      expect(res.json().code).toBe(20404)
    }
    expect((await api.get(`/Services/${serviceSid}/Verifications/${late.body.sid}`)).json().status).toBe('expired')

    // Cancel.
    const gone = await api.startOk(serviceSid, { To: '+14155550101', Channel: 'sms' })
    const canceled = await api.post(`/Services/${serviceSid}/Verifications/${gone.body.sid}`, { Status: 'canceled' })
    expect(canceled.json()).toMatchObject({ status: 'canceled', valid: false })
    const afterCancel = await check({ VerificationSid: String(gone.body.sid), Code: gone.code })
    expect(afterCancel.statusCode).toBe(404)
    const cancelAgain = await api.post(`/Services/${serviceSid}/Verifications/${gone.body.sid}`, {
      Status: 'canceled',
    })
    expect(cancelAgain.statusCode).toBe(404)
    expect(cancelAgain.json().code).toBe(20404)
  })

  it('Status=approved approves without a code, and the app picks the token up once over /v1', async ({
    t,
    app,
    appWith,
  }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const { body } = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    const approved = await api.post(`/Services/${serviceSid}/Verifications/${body.sid}`, { Status: 'approved' })
    expect(approved.json()).toMatchObject({ status: 'approved', valid: true })

    const id = String(body.tessera_verification_id)
    // /v1 takes the Twilio sid as the verification's id too.
    const first = await t.request('GET', `/v1/verifications/${body.sid}`, { key: app.key })
    expect(first.json()).toMatchObject({ verification_id: id, status: 'approved', verification_token_expires_in: 600 })
    const token = first.json().verification_token
    const introspected = await t.request('POST', '/v1/tokens/verify', {
      key: app.key,
      body: { verification_token: token, scene: 'verify-identifier' },
    })
    expect(introspected.json()).toMatchObject({ active: true, verification_id: id, to: '+14155552671' })
    const second = await t.request('GET', `/v1/verifications/${id}`, { key: app.key })
    expect(second.json().verification_token).toBeUndefined()
    // Another app cannot name it by either id.
    const other = await appWith()
    for (const alias of [id, String(body.sid)]) {
      expect((await t.request('GET', `/v1/verifications/${alias}`, { key: other.key })).statusCode).toBe(404)
    }
  })

  it('keeps a held token no longer than the token lives', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const { body, code } = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    await api.post(`/Services/${serviceSid}/VerificationCheck`, { To: '+14155552671', Code: code })
    t.clock.advanceSeconds(601)
    const read = await t.request('GET', `/v1/verifications/${body.tessera_verification_id}`, { key: app.key })
    expect(read.json().status).toBe('approved')
    expect(read.json().verification_token).toBeUndefined()
  })

  it('honours CustomCode only where the service enables it', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const plain = await api.serviceOk()
    const refused = await api.post(`/Services/${plain}/Verifications`, {
      To: '+14155552671',
      Channel: 'sms',
      CustomCode: '867530',
    })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().code).toBe(60200)
    expect(t.capture.messages).toHaveLength(0)

    const custom = await api.serviceOk({ FriendlyName: 'Custom', CustomCodeEnabled: 'true' })
    const { code } = await api.startOk(custom, { To: '+14155552671', Channel: 'sms', CustomCode: '867530' })
    expect(code).toBe('867530')
    // Any length Twilio takes (4–10), whatever the service's CodeLength; it approves like any code.
    const short = await api.startOk(custom, { To: '+14155550100', Channel: 'sms', CustomCode: '4321' })
    expect(short.code).toBe('4321')
    const checked = await api.post(`/Services/${custom}/VerificationCheck`, { To: '+14155550100', Code: '4321' })
    expect(checked.json()).toMatchObject({ status: 'approved', valid: true })
    const tooLong = await api.post(`/Services/${custom}/Verifications`, {
      To: '+14155550101',
      Channel: 'sms',
      CustomCode: '12345678901',
    })
    expect(tooLong.json().code).toBe(60200)
  })

  it('refuses a channel the registry does not have, a bad To and bad parameters with 60200, sending nothing', async ({
    t,
    app,
  }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const bad: Array<Record<string, string>> = [
      { To: '+14155552671', Channel: 'pigeon' },
      { To: '+14155552671', Channel: 'sna' },
      { To: '+14155552671' },
      { Channel: 'sms' },
      { To: 'not a number', Channel: 'sms' },
      { To: 'ada@', Channel: 'email' },
      { To: '+14155552671', Channel: 'sms', Locale: 'not a locale!' },
      { To: '+14155552671', Channel: 'sms', DeviceIp: '999.1.1.1' },
      { To: '+14155552671', Channel: 'sms', ChannelConfiguration: '{not json' },
      { To: '+14155552671', Channel: 'sms', ChannelConfiguration: '[1]' },
      { To: '+14155552671\u0000', Channel: 'sms' },
    ]
    for (const form of bad) {
      const res = await api.post(`/Services/${serviceSid}/Verifications`, form)
      expect(res.statusCode, `${JSON.stringify(form)} ${res.body}`).toBe(400)
      expect(res.json()).toMatchObject({ code: 60200, status: 400 })
    }
    const statusBad = await api.post(`/Services/${serviceSid}/Verifications/VE0`, { Status: 'pending' })
    expect(statusBad.statusCode).toBe(400)
    const noCode = await api.post(`/Services/${serviceSid}/VerificationCheck`, { To: '+14155552671' })
    expect(noCode.json().code).toBe(60200)
    const noTarget = await api.post(`/Services/${serviceSid}/VerificationCheck`, { Code: '123456' })
    expect(noTarget.json().code).toBe(60200)
    expect(t.capture.messages).toHaveLength(0)

    // A JSON body is read like the form.
    const json = await t.tessera.server.inject({
      method: 'POST',
      url: `/v2/Services/${serviceSid}/Verifications`,
      headers: {
        authorization: `Basic ${Buffer.from(`${api.accountSid}:${app.key}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      payload: JSON.stringify({ To: '+14155552671', Channel: 'sms' }),
    })
    expect(json.statusCode, json.body).toBe(201)
  })
})

describe('Twilio face: retention', () => {
  it('prunes a verification’s sid, send attempts and held token with the verification', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const old = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    await api.post(`/Services/${serviceSid}/VerificationCheck`, { To: '+14155552671', Code: old.code })
    t.clock.advanceSeconds(31 * 86_400)
    const fresh = await api.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    const job = startPruneJob({
      store: t.tessera.store,
      clock: t.clock,
      logger: pino({ level: 'silent' }),
      retentionDays: 30,
      intervalMs: 3_600_000,
    })
    try {
      expect(await job.runOnce()).toBe(true)
    } finally {
      job.stop()
    }
    const store = t.tessera.store
    expect(await store.verifyServices.findVerification(app.appId, serviceSid, String(old.body.sid))).toBeUndefined()
    expect(await store.verifyServices.listSendAttempts(String(old.body.sid))).toEqual([])
    expect(await store.heldTokens.take(app.appId, String(old.body.tessera_verification_id))).toBeUndefined()
    expect((await api.get(`/Services/${serviceSid}/Verifications/${old.body.sid}`)).statusCode).toBe(404)
    const kept = await api.get(`/Services/${serviceSid}/Verifications/${fresh.body.sid}`)
    expect(kept.json().send_code_attempts).toHaveLength(1)
  })
})
