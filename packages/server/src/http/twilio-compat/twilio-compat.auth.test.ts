import { TEST_ADMIN_KEY } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { basicAuth, twilioApi } from '../../../test/helpers/twilio-api.js'

const TWILIO_401 = { code: 20003, status: 401, more_info: 'https://www.twilio.com/docs/errors/20003' }

describe('Twilio face: authentication', () => {
  it('answers 401 (20003) in Twilio’s shape to every credential that is not account_sid + app key', async ({
    t,
    app,
    appWith,
  }) => {
    const api = await twilioApi(t, app)
    const other = await twilioApi(t, await appWith())
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${app.key}` },
      { authorization: 'Basic !!!' },
      { authorization: basicAuth(api.accountSid, `${app.key}x`) },
      { authorization: basicAuth(api.accountSid, '') },
      { authorization: basicAuth(api.accountSid, TEST_ADMIN_KEY) },
      { authorization: basicAuth(app.appId, app.key) },
      // Another app's account_sid with this app's key: the key is real, the account is not its own.
      { authorization: basicAuth(other.accountSid, app.key) },
      { authorization: basicAuth(api.accountSid.toUpperCase(), app.key) },
    ]
    for (const headers of attempts) {
      const res = await t.tessera.server.inject({ method: 'GET', url: '/v2/Services', headers })
      expect(res.statusCode, JSON.stringify(headers)).toBe(401)
      expect(res.json()).toMatchObject(TWILIO_401)
      expect(res.headers['www-authenticate']).toBe('Basic realm="Twilio API"')
    }
    expect((await api.get('/Services')).statusCode).toBe(200)
  })

  it('refuses a revoked key', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const keys = await t.request('GET', `/admin/v1/apps/${app.appId}/keys`, { key: TEST_ADMIN_KEY })
    const keyId = keys.json().keys[0].key_id
    const revoked = await t.request('DELETE', `/admin/v1/apps/${app.appId}/keys/${keyId}`, { key: TEST_ADMIN_KEY })
    expect(revoked.statusCode).toBeLessThan(300)
    const res = await api.get('/Services')
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe(20003)
  })

  it('shows a stable AC account_sid in the operator API', async ({ t, app }) => {
    const read = await t.request('GET', `/admin/v1/apps/${app.appId}`, { key: TEST_ADMIN_KEY })
    const listed = await t.request('GET', '/admin/v1/apps', { key: TEST_ADMIN_KEY })
    const sid = read.json().account_sid
    expect(sid).toMatch(/^AC[0-9a-f]{32}$/)
    expect(listed.json().apps.find((a: { app_id: string }) => a.app_id === app.appId).account_sid).toBe(sid)
    const renamed = await t.request('PATCH', `/admin/v1/apps/${app.appId}`, {
      key: TEST_ADMIN_KEY,
      body: { name: 'Renamed' },
    })
    expect(renamed.json().account_sid).toBe(sid)
  })
})

describe('Twilio face: one app never reaches another’s services', () => {
  it('answers 404 (20404) for another app’s service and verification, and changes nothing', async ({
    t,
    app,
    appWith,
  }) => {
    const owner = await twilioApi(t, app)
    const intruder = await twilioApi(t, await appWith())
    const serviceSid = await owner.serviceOk()
    const { body, code } = await owner.startOk(serviceSid, { To: '+14155552671', Channel: 'sms' })
    const sid = String(body.sid)
    const ownSid = await intruder.serviceOk()

    const tries = [
      intruder.get(`/Services/${serviceSid}`),
      intruder.post(`/Services/${serviceSid}`, { FriendlyName: 'Mine now' }),
      intruder.delete(`/Services/${serviceSid}`),
      intruder.post(`/Services/${serviceSid}/Verifications`, { To: '+14155552671', Channel: 'sms' }),
      intruder.get(`/Services/${serviceSid}/Verifications/${sid}`),
      intruder.post(`/Services/${serviceSid}/Verifications/${sid}`, { Status: 'canceled' }),
      intruder.post(`/Services/${serviceSid}/VerificationCheck`, { VerificationSid: sid, Code: code }),
      intruder.post(`/Services/${serviceSid}/VerificationCheck`, { To: '+14155552671', Code: code }),
      // Through its own service: the sid and the number are not its verification's.
      intruder.get(`/Services/${ownSid}/Verifications/${sid}`),
      intruder.post(`/Services/${ownSid}/VerificationCheck`, { VerificationSid: sid, Code: code }),
      intruder.post(`/Services/${ownSid}/VerificationCheck`, { To: '+14155552671', Code: code }),
    ]
    for (const res of await Promise.all(tries)) {
      expect(res.statusCode, res.body).toBe(404)
      expect(res.json()).toMatchObject({ code: 20404, status: 404 })
    }
    const listed = await intruder.get('/Services')
    expect(listed.json().services.map((s: { sid: string }) => s.sid)).toEqual([ownSid])

    // The owner's verification is untouched: still pending, with all its attempts, and its code works.
    const fetched = await owner.get(`/Services/${serviceSid}/Verifications/${sid}`)
    expect(fetched.json()).toMatchObject({ status: 'pending' })
    const v1 = await t.request('GET', `/v1/verifications/${body.tessera_verification_id}`, { key: app.key })
    expect(v1.json().attempts).toBe(0)
    const checked = await owner.post(`/Services/${serviceSid}/VerificationCheck`, { VerificationSid: sid, Code: code })
    expect(checked.json()).toMatchObject({ status: 'approved', valid: true })
    expect((await owner.get(`/Services/${serviceSid}`)).json().friendly_name).toBe('Acme Verify')
  })
})
