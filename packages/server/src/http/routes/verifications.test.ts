import { describe, expect, it } from '../../../test/helpers/fixtures.js'

const ADA = { channel: 'email', to: 'Ada@Example.COM ' }

describe('POST /v1/verifications', () => {
  it('starts an email verification and delivers a 6-digit code naming the app and lifetime', async ({ t, api }) => {
    const res = await api.start(ADA)
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body).toMatchObject({
      status: 'pending',
      channel: 'email',
      to: 'A***@e***.com',
      scene: 'verify-identifier',
      expires_in: 600,
      attempts_remaining: 5,
      sends_remaining: 4,
    })
    expect(body.verification_id).toMatch(/^ver_[0-9a-z]{36}$/)
    expect(Date.parse(body.resend_available_at) - Date.parse(body.created_at)).toBe(30_000)
    const message = t.capture.messages[0]
    expect(message?.to).toBe('Ada@example.com')
    expect(message?.subject).toContain('Acme')
    expect(message?.text).toMatch(/Acme verification code is:?\s+\d{6}/)
    expect(message?.text).toContain('10 minutes')
    expect(JSON.stringify(body)).not.toContain(t.capture.lastCode())
  })

  it('normalises phone numbers to E.164 and masks them', async ({ t, api }) => {
    const res = await api.start({ channel: 'sms', to: '+1 (415) 555-2671', scene: 'login' })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ channel: 'sms', to: '+14*******71', scene: 'login' })
    expect(t.capture.messages[0]?.to).toBe('+14155552671')
  })

  it('accepts `verifier` as the channel name', async ({ api }) => {
    const res = await api.start({ verifier: 'sms', to: '+447911123456' })
    expect(res.statusCode).toBe(201)
    expect(res.json().channel).toBe('sms')
  })

  it.for([
    ['sms', '4155552671'],
    ['sms', '+1 000'],
    ['email', 'not-an-email'],
    ['email', 'a@b'],
    ['email', 'x@[127.0.0.1]'],
  ])('refuses an invalid %s identifier %j with 4011 and sends nothing', async ([channel, to], { t, api }) => {
    const res = await api.start({ channel, to })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_identifier', error_code: 4011 })
    expect(t.capture.messages).toHaveLength(0)
  })

  it('refuses a custom code unless the app allows it', async ({ t, api, appWith }) => {
    const refused = await api.start({ channel: 'email', to: 'a@example.com', custom_code: '123456' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json().error).toBe('invalid_request')
    expect(t.capture.messages).toHaveLength(0)

    const { api: other } = await appWith({ allow_custom_code: true })
    const accepted = await other.start({ channel: 'email', to: 'a@example.com', custom_code: '246810' })
    expect(accepted.statusCode).toBe(201)
    expect(t.capture.lastCode()).toBe('246810')
  })

  it('uses the app’s code policy: length and alphanumeric alphabet', async ({ t, appWith }) => {
    const { api: other } = await appWith({ channels: { sms: { code_length: 8, code_alphabet: 'alphanumeric' } } })
    await other.start({ channel: 'sms', to: '+14155552671' })
    expect(t.capture.lastCode()).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/)
  })

  it('answers 4012 for a disabled channel', async ({ appWith }) => {
    const { api: other } = await appWith({ channels: { sms: { enabled: false } } })
    const res = await other.start({ channel: 'sms', to: '+14155552671' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'channel_not_enabled', error_code: 4012 })
  })

  it.for([
    [{ to: 'a@example.com' }, 'channel'],
    [{ channel: 'fax', to: 'a@example.com' }, 'channel'],
    [{ channel: 'email' }, 'to'],
    [{ channel: 'email', to: 'a@example.com', scene: 'Bad Scene' }, 'scene'],
    [{ channel: 'email', to: 'a@example.com', scene: 'x'.repeat(65) }, 'scene'],
    [{ channel: 'email', to: 'a@example.com', extra: 1 }, 'extra'],
    [{ channel: 'email', to: 'a@example.com', client_ip: 'not-an-ip' }, 'client_ip'],
  ] as const)('answers 4000 naming the field for %j', async ([body, field], { api }) => {
    const res = await api.start(body)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: 'invalid_request', error_code: 4000 })
    expect(res.json().error_description).toContain(field)
  })

  it('accepts any [a-z0-9-]{1,64} scene', async ({ api }) => {
    const res = await api.start({ channel: 'email', to: 'a@example.com', scene: 'payout-confirm-2' })
    expect(res.statusCode).toBe(201)
    expect(res.json().scene).toBe('payout-confirm-2')
  })

  it('answers 5002 when delivery fails, and the verification does not exist afterwards', async ({ t, app, api }) => {
    t.capture.failNext()
    const res = await api.start(ADA)
    expect(res.statusCode).toBe(502)
    expect(res.json()).toMatchObject({ error: 'delivery_failed', error_code: 5002 })
    expect(await t.tessera.store.verifications.listRecent(app.appId, { limit: 10 })).toHaveLength(0)
  })
})

describe('POST /v1/verifications/verify', () => {
  it('approves the right code once and returns a scene-bound token', async ({ t, api }) => {
    const started = (
      await api.start({ channel: 'email', to: 'a@example.com', scene: 'signup', user_id: 'u_42' })
    ).json()
    const res = await api.verify(started.verification_id, t.capture.lastCode())
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'approved', scene: 'signup', expires_in: 600 })
    expect(res.json().verification_token.split('.')).toHaveLength(3)

    const again = await api.verify(started.verification_id, t.capture.lastCode())
    expect(again.statusCode).toBe(409)
    expect(again.json()).toMatchObject({ error: 'verification_not_pending', error_code: 4009 })
    const view = (await api.get(started.verification_id)).json()
    expect(view.status).toBe('approved')
  })

  it('counts wrong codes, then locks with 4006 on the last try and refuses the right code', async ({ t, api }) => {
    const started = (await api.start(ADA)).json()
    const id = started.verification_id
    const right = t.capture.lastCode()
    const wrong = right === '000000' ? '111111' : '000000'
    for (let remaining = 4; remaining >= 1; remaining--) {
      const res = await api.verify(id, wrong)
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({
        error: 'invalid_verification_code',
        error_code: 4001,
        attempts_remaining: remaining,
      })
    }
    const last = await api.verify(id, wrong)
    expect(last.statusCode).toBe(429)
    expect(last.json()).toMatchObject({ error: 'max_attempts_reached', error_code: 4006 })
    const after = await api.verify(id, right)
    expect(after.statusCode).toBe(429)
    expect(after.json().error).toBe('max_attempts_reached')
    expect((await api.get(id)).json()).toMatchObject({
      status: 'max_attempts_reached',
      attempts: 5,
      attempts_remaining: 0,
    })
  })

  it('accepts a code typed with spaces or lower case', async ({ t, appWith }) => {
    const { api: other } = await appWith({ channels: { email: { code_alphabet: 'alphanumeric' } } })
    const started = (await other.start({ channel: 'email', to: 'a@example.com' })).json()
    const code = t.capture.lastCode()
    const typed = `${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`
    const res = await other.verify(started.verification_id, typed)
    expect(res.statusCode).toBe(200)
  })

  it('refuses the code after expiry with 4005 and shows the verification as expired', async ({ t, api }) => {
    const started = (await api.start(ADA)).json()
    t.clock.advanceSeconds(601)
    const res = await api.verify(started.verification_id, t.capture.lastCode())
    expect(res.statusCode).toBe(410)
    expect(res.json()).toMatchObject({ error: 'verification_expired', error_code: 4005 })
    const view = (await api.get(started.verification_id)).json()
    expect(view).toMatchObject({ status: 'expired', expires_in: 0 })
  })

  it('answers 4004 for an unknown id and for another app’s verification', async ({ api, appWith }) => {
    const started = (await api.start(ADA)).json()
    const { api: other } = await appWith()
    for (const [caller, id] of [
      [api, 'ver_doesnotexist'],
      [other, started.verification_id],
    ] as const) {
      const res = await caller.verify(id, '123456')
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({ error: 'verification_not_found', error_code: 4004 })
      expect((await caller.get(id)).statusCode).toBe(404)
    }
    // The other app's failed tries did not touch this verification.
    expect((await api.get(started.verification_id)).json().attempts).toBe(0)
  })
})

describe('resend', () => {
  it('sends a new code; the old one stops working; cooldown and max sends apply', async ({ t, api }) => {
    const started = (await api.start(ADA)).json()
    const id = started.verification_id
    const first = t.capture.lastCode()

    const tooSoon = await api.resend(id)
    expect(tooSoon.statusCode).toBe(429)
    expect(tooSoon.json()).toMatchObject({ error: 'resend_too_soon', error_code: 4008, retry_after: 30 })
    expect(tooSoon.headers['retry-after']).toBe('30')

    t.clock.advanceSeconds(30)
    let second = first
    // Retry until the new code differs (1 in a million it repeats).
    const res = await api.resend(id)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ sends: 2, sends_remaining: 3, expires_in: 600 })
    second = t.capture.lastCode()
    expect(t.capture.messages).toHaveLength(2)

    if (second !== first) {
      const old = await api.verify(id, first)
      expect(old.statusCode).toBe(400)
      expect(old.json().error).toBe('invalid_verification_code')
    }
    for (let i = 0; i < 3; i++) {
      t.clock.advanceSeconds(30)
      expect((await api.resend(id)).statusCode).toBe(200)
    }
    t.clock.advanceSeconds(30)
    const exhausted = await api.resend(id)
    expect(exhausted.statusCode).toBe(429)
    expect(exhausted.json()).toMatchObject({ error: 'max_sends_reached', error_code: 4007 })
    const ok = await api.verify(id, t.capture.lastCode())
    expect(ok.statusCode).toBe(200)
  })

  it('a failed resend does not count and the previous code keeps working', async ({ t, api }) => {
    const started = (await api.start(ADA)).json()
    const id = started.verification_id
    const first = t.capture.lastCode()
    t.clock.advanceSeconds(30)
    t.capture.failNext()
    const failed = await api.resend(id)
    expect(failed.statusCode).toBe(502)
    expect(failed.json().error).toBe('delivery_failed')
    const view = (await api.get(id)).json()
    expect(view).toMatchObject({ sends: 1, sends_remaining: 4 })
    const ok = await api.verify(id, first)
    expect(ok.statusCode).toBe(200)
  })

  it('refuses resend of an approved or canceled verification with 4009', async ({ t, api }) => {
    const started = (await api.start(ADA)).json()
    const id = started.verification_id
    const canceled = await api.cancel(id)
    expect(canceled.statusCode).toBe(200)
    expect(canceled.json().status).toBe('canceled')
    t.clock.advanceSeconds(60)
    const res = await api.resend(id)
    expect(res.statusCode).toBe(409)
    expect(res.json().error).toBe('verification_not_pending')
    const verify = await api.verify(id, t.capture.lastCode())
    expect(verify.statusCode).toBe(409)
    expect((await api.cancel(id)).statusCode).toBe(409)
  })
})
