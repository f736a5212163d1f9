import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { twilioApi } from '../../../test/helpers/twilio-api.js'

const TWILIO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

describe('Twilio face: services', () => {
  it('creates a service with Twilio’s fields and formats, and reads, updates and deletes it', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const created = await api.post('/Services', {
      FriendlyName: 'Acme Login',
      CodeLength: '8',
      LookupEnabled: 'true',
      DoNotShareWarningEnabled: 'true',
      CustomCodeEnabled: 'true',
    })
    expect(created.statusCode, created.body).toBe(201)
    const service = created.json()
    expect(service).toMatchObject({
      account_sid: api.accountSid,
      friendly_name: 'Acme Login',
      code_length: 8,
      lookup_enabled: true,
      do_not_share_warning_enabled: true,
      custom_code_enabled: true,
      psd2_enabled: false,
      skip_sms_to_landlines: false,
      url: `http://tessera.test/v2/Services/${service.sid}`,
      links: { verifications: `http://tessera.test/v2/Services/${service.sid}/Verifications` },
    })
    expect(service.sid).toMatch(/^VA[0-9a-f]{32}$/)
    expect(service.date_created).toMatch(TWILIO_DATE)
    expect(service.date_created).toBe('2026-01-01T00:00:00Z')

    t.clock.advanceSeconds(60)
    const updated = await api.post(`/Services/${service.sid}`, { FriendlyName: 'Acme Sign-in', CodeLength: '4' })
    expect(updated.statusCode, updated.body).toBe(200)
    expect(updated.json()).toMatchObject({
      sid: service.sid,
      friendly_name: 'Acme Sign-in',
      code_length: 4,
      lookup_enabled: true,
      date_created: '2026-01-01T00:00:00Z',
      date_updated: '2026-01-01T00:01:00Z',
    })
    expect((await api.get(`/Services/${service.sid}`)).json()).toMatchObject({ friendly_name: 'Acme Sign-in' })

    const deleted = await api.delete(`/Services/${service.sid}`)
    expect(deleted.statusCode).toBe(204)
    const gone = await api.get(`/Services/${service.sid}`)
    expect(gone.statusCode).toBe(404)
    expect(gone.json()).toMatchObject({ code: 20404, status: 404 })
    expect((await api.delete(`/Services/${service.sid}`)).statusCode).toBe(404)
  })

  it('refuses bad parameters with 60200 and creates nothing', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const bad: Array<Record<string, string>> = [
      {},
      { FriendlyName: '' },
      { FriendlyName: 'x'.repeat(33) },
      { FriendlyName: 'Tab\tname' },
      { FriendlyName: 'Acme', CodeLength: '3' },
      { FriendlyName: 'Acme', CodeLength: '11' },
      { FriendlyName: 'Acme', CodeLength: 'six' },
      { FriendlyName: 'Acme', LookupEnabled: 'yes' },
    ]
    for (const form of bad) {
      const res = await api.post('/Services', form)
      expect(res.statusCode, JSON.stringify(form)).toBe(400)
      expect(res.json()).toMatchObject({ code: 60200, status: 400 })
      expect(res.json().message).toMatch(/^Invalid parameter `\w+`: /)
      expect(res.json().message).not.toMatch(/Invalid parameter.*Invalid parameter/)
    }
    expect((await api.get('/Services')).json().services).toEqual([])
  })

  it('lists services oldest first with Twilio’s paging meta', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const sids: string[] = []
    for (const name of ['One', 'Two', 'Three']) {
      sids.push(await api.serviceOk({ FriendlyName: name }))
      t.clock.advanceSeconds(1)
    }
    const first = await api.get('/Services?PageSize=2')
    expect(first.statusCode).toBe(200)
    expect(first.json().services.map((s: { sid: string }) => s.sid)).toEqual(sids.slice(0, 2))
    expect(first.json().meta).toEqual({
      page: 0,
      page_size: 2,
      first_page_url: 'http://tessera.test/v2/Services?PageSize=2&Page=0',
      previous_page_url: null,
      url: 'http://tessera.test/v2/Services?PageSize=2&Page=0',
      next_page_url: 'http://tessera.test/v2/Services?PageSize=2&Page=1',
      key: 'services',
    })
    const next = new URL(first.json().meta.next_page_url)
    const second = await api.get(`${next.pathname.replace(/^\/v2/, '')}${next.search}`)
    expect(second.json().services.map((s: { sid: string }) => s.sid)).toEqual(sids.slice(2))
    expect(second.json().meta).toMatchObject({
      page: 1,
      previous_page_url: 'http://tessera.test/v2/Services?PageSize=2&Page=0',
      next_page_url: null,
    })
    expect((await api.get('/Services')).json().meta).toMatchObject({ page_size: 50, next_page_url: null })
    const bad = await api.get('/Services?PageSize=0')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().code).toBe(60200)
  })

  it('answers 20404 in Twilio’s shape for paths it does not serve', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const res = await api.get('/Services/VA00000000000000000000000000000000/Entities')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({
      code: 20404,
      message: expect.stringContaining('/v2/Services/VA00000000000000000000000000000000/Entities'),
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    })
  })
})
