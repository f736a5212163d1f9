import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { Secret, TOTP } from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type FakeSmsProviders,
  startFakeSmsProviders,
  TWILIO,
  twilioCallback,
  twilioThenVonage,
  VONAGE,
  vonageReceipt,
} from '../helpers/fake-sms-providers.js'
import {
  type CreatedApp,
  call,
  codeFromEmailText,
  codeFromSms,
  createAppWithKey,
  LIMITS_OUT_OF_THE_WAY,
  wrongCodeFor,
} from './helpers/api.js'
import { findLeaks } from './helpers/log-leaks.js'
import { csrfOf, pageClient } from './helpers/page-client.js'
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp-receiver.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js'

// @see issue 13: no secret in any log, at any level. A real server logs at `trace` while every flow
// runs: verifications, tokens, factors, hosted pages with a magic link, the console, provider status
// callbacks, and requests that fail or match no route. Then not one line may hold a code, token, key,
// secret, session id, link secret, password, TOTP secret, full phone number or full email address.

const secrets = secretsForTest()
const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`
const EMAIL = 'Lin.Shao@Example.ORG'
const EMAIL_NORMALISED = 'Lin.Shao@example.org'
const PHONE = '+14155552671'
/** A host app that keys its users by email address: the user id is in factor URLs. */
const USER_ID = 'Ada.Lovelace@Analytical.example'
const REDIRECT = 'http://localhost:9/verified'
/** Ten-character letter-and-digit codes: no chance of meeting one inside a timestamp or a number. */
const ALNUM = { code_alphabet: 'alphanumeric', code_length: 10, resend_cooldown_seconds: 0 }

let smtp: SmtpReceiver
let hook: WebhookReceiver
let fake: FakeSmsProviders
let server: TestServer

beforeAll(async () => {
  smtp = await startSmtpReceiver()
  hook = await startWebhookReceiver()
  fake = await startFakeSmsProviders()
  server = await startServer({
    env: {
      ...secrets,
      LOG_LEVEL: 'trace',
      TESSERA_SMTP_URL: smtp.url,
      TESSERA_EMAIL_FROM: 'no-reply@tessera.test',
      TESSERA_SMS_WEBHOOK_URL: hook.url,
      TESSERA_SMS_WEBHOOK_SECRET: webhookSecret,
    },
  })
})

afterAll(async () => {
  await server?.stop()
  await killAll()
  await smtp?.close()
  await hook?.close()
  await fake?.close()
  cleanupTempDirs()
})

/** Every secret a flow met, by a name that says where it came from. */
const needles: Record<string, string> = {}

const api = (app: CreatedApp, method: string, path: string, body?: unknown) =>
  call(server.url, method, path, { key: app.key, body })
const nextSmsCode = async () => codeFromSms(((await hook.nextRequest()).json as { body: string }).body)
const nextEmail = async () => (await smtp.nextMessage(EMAIL_NORMALISED)).text ?? ''

/** Start, a wrong code, resend, the right code; then the token's introspection and consumption. */
async function verificationsAndTokens(app: CreatedApp) {
  for (const [channel, to] of [
    ['email', EMAIL],
    ['sms', PHONE],
  ] as const) {
    const started = await api(app, 'POST', '/v1/verifications', { channel, to, scene: 'login', user_id: USER_ID })
    expect(started.status).toBe(201)
    const id: string = started.body.verification_id
    const first = channel === 'email' ? codeFromEmailText(await nextEmail()) : await nextSmsCode()
    needles[`${channel} code`] = first
    needles[`${channel} wrong code`] = wrongCodeFor(first)
    const refused = await api(app, 'POST', '/v1/verifications/verify', {
      verification_id: id,
      verification_code: wrongCodeFor(first),
    })
    expect(refused.body.error_code).toBe(4001)

    expect((await api(app, 'POST', `/v1/verifications/${id}/resend`, {})).status).toBe(200)
    const code = channel === 'email' ? codeFromEmailText(await nextEmail()) : await nextSmsCode()
    needles[`${channel} resent code`] = code
    const stale = await api(app, 'POST', '/v1/verifications/verify', { verification_id: id, verification_code: first })
    expect(stale.body.error_code).toBe(4001)
    const verified = await api(app, 'POST', '/v1/verifications/verify', {
      verification_id: id,
      verification_code: code,
    })
    expect(verified.status).toBe(200)
    const token: string = verified.body.verification_token
    needles[`${channel} token`] = token
    needles[`${channel} token signature`] = token.split('.')[2] ?? token

    const introspect = (body: Record<string, unknown>) =>
      api(app, 'POST', '/v1/tokens/verify', { verification_token: token, ...body })
    expect((await introspect({ scene: 'login' })).body.active).toBe(true)
    expect((await introspect({ scene: 'signup' })).body.reason).toBe('scene_mismatch')
    expect((await introspect({ consume: true })).body.active).toBe(true)
    expect((await introspect({ consume: true })).body.reason).toBe('consumed')
    expect((await api(app, 'GET', `/v1/verifications/${id}`)).status).toBe(200)
  }
}

/** TOTP (enrolled and imported), password, backup codes, a phone and an email, and a removal. */
async function factors(app: CreatedApp) {
  const factorsPath = `/v1/users/${USER_ID}/factors`
  const challenge = async (body: Record<string, unknown>) => {
    const started = await api(app, 'POST', `/v1/users/${USER_ID}/challenges`, body)
    expect(started.status).toBe(201)
    return started.body.verification_id as string
  }
  const check = (verificationId: string, code: string) =>
    api(app, 'POST', '/v1/verifications/verify', { verification_id: verificationId, verification_code: code })

  const totp = await api(app, 'POST', factorsPath, { type: 'totp', account_name: USER_ID })
  expect(totp.status).toBe(201)
  needles['TOTP secret'] = totp.body.secret
  const authenticator = new TOTP({
    secret: Secret.fromBase32(totp.body.secret),
    digits: totp.body.digits,
    period: totp.body.period,
    algorithm: totp.body.algorithm,
  })
  const totpCode = authenticator.generate()
  needles['TOTP code'] = totpCode
  const activated = await api(app, 'POST', `${factorsPath}/${totp.body.factor_id}/activate`, {
    verification_code: totpCode,
  })
  expect(activated.body.status).toBe('active')

  const imported = new Secret({ size: 20 }).base32
  needles['imported TOTP secret'] = imported
  const importedBind = await api(app, 'POST', `/v1/users/u_imported/factors`, { type: 'totp', secret: imported })
  expect(importedBind.status).toBe(201)

  const password = `pw-${randomBytes(12).toString('base64url')}`
  const wrongPassword = `${password}-not`
  needles.password = password
  needles['wrong password'] = wrongPassword
  expect((await api(app, 'POST', factorsPath, { type: 'password', password })).status).toBe(201)
  const login = await challenge({ scene: 'login', type: 'password' })
  expect((await check(login, wrongPassword)).body.error_code).toBe(4001)
  const loggedIn = await check(login, password)
  expect(loggedIn.status).toBe(200)
  needles['password token'] = loggedIn.body.verification_token

  const backup = await api(app, 'POST', factorsPath, { type: 'backup-code' })
  expect(backup.body.codes).toHaveLength(10)
  backup.body.codes.forEach((code: string, index: number) => {
    needles[`backup code ${index}`] = code
  })
  const stepUp = await check(await challenge({ scene: 'step-up', type: 'backup-code' }), backup.body.codes[0])
  expect(stepUp.status).toBe(200)
  needles['step-up token'] = stepUp.body.verification_token
  const removed = await fetch(`${server.url}${factorsPath}/${totp.body.factor_id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${app.key}`, 'x-verification-token': stepUp.body.verification_token },
  })
  expect(removed.status).toBe(204)

  for (const [type, to] of [
    ['sms', PHONE],
    ['email', EMAIL],
  ] as const) {
    const bound = await api(app, 'POST', factorsPath, { type, to })
    expect(bound.status).toBe(201)
    const code = type === 'sms' ? await nextSmsCode() : codeFromEmailText(await nextEmail())
    needles[`${type} factor code`] = code
    const confirmed = await api(app, 'POST', `${factorsPath}/${bound.body.factor_id}/activate`, {
      verification_code: code,
    })
    expect(confirmed.body.status).toBe('active')
  }
  expect((await api(app, 'GET', factorsPath)).body.factors).toHaveLength(4)
}

/** A hosted session by SMS (typed number, resend, wrong code, code mode and exchange), one by magic link. */
async function hostedPages(app: CreatedApp): Promise<{ sessionId: string; linkSecret: string }> {
  let sessions = 0
  const createSession = async (body: Record<string, unknown>) => {
    const created = await api(app, 'POST', '/v1/sessions', { redirect_url: REDIRECT, ...body })
    expect(created.status).toBe(201)
    const id: string = created.body.session_id
    needles[`session id ${++sessions}`] = id
    return id
  }

  const bySms = await createSession({ channel: ['sms', 'email'], state: 'st-1', response_mode: 'code' })
  const person = pageClient(server.url)
  const entry = await person.get(`/hosted/${bySms}`)
  expect(entry.status).toBe(200)
  needles['hosted CSRF cookie'] = person.cookies.get('tessera_hosted') ?? ''
  const started = await person.post(`/hosted/${bySms}/start`, {
    csrf: csrfOf(entry.text),
    channel: 'sms',
    country: 'US',
    phone: '(415) 555-2671',
  })
  expect(started.status).toBe(303)
  needles['hosted first code'] = await nextSmsCode()
  const codePage = await person.get(`/hosted/${bySms}`)
  expect((await person.post(`/hosted/${bySms}/resend`, { csrf: csrfOf(codePage.text) })).status).toBe(303)
  const code = await nextSmsCode()
  needles['hosted code'] = code
  const again = await person.get(`/hosted/${bySms}?sent=1`)
  const wrong = await person.post(`/hosted/${bySms}/verify`, { csrf: csrfOf(again.text), code: wrongCodeFor(code) })
  expect(wrong.status).toBe(400)
  needles['hosted wrong code'] = wrongCodeFor(code)
  const right = await person.post(`/hosted/${bySms}/verify`, { csrf: csrfOf(wrong.text), code })
  expect(right.status).toBe(303)
  const exchangeCode = new URL(right.headers.get('location') ?? '').searchParams.get('code') ?? ''
  needles['exchange code'] = exchangeCode
  const exchanged = await api(app, 'POST', `/v1/sessions/${bySms}/exchange`, { code: exchangeCode })
  expect(exchanged.status).toBe(200)
  needles['exchanged token'] = exchanged.body.verification_token

  const byLink = await createSession({ channel: 'email', state: 'st-2' })
  const reader = pageClient(server.url)
  const linkEntry = await reader.get(`/hosted/${byLink}`)
  await reader.post(`/hosted/${byLink}/start`, { csrf: csrfOf(linkEntry.text), channel: 'email', email: EMAIL })
  const mail = await nextEmail()
  needles['link email code'] = codeFromEmailText(mail)
  const link = new URL(/(http:\/\/\S+\/hosted\/\S+\/confirm\?t=[A-Za-z0-9_-]+)/.exec(mail)?.[1] ?? '')
  const linkSecret = link.searchParams.get('t') ?? ''
  needles['link secret'] = linkSecret
  const forged = `${linkSecret.slice(0, -6)}abcdef`
  needles['forged link secret'] = forged
  const clicker = pageClient(server.url)
  expect((await clicker.get(`/hosted/${byLink}/confirm?t=${forged}`)).status).toBe(410)
  const confirmPage = await clicker.get(`${link.pathname}${link.search}`)
  expect(confirmPage.status).toBe(200)
  const confirmed = await clicker.post(`/hosted/${byLink}/confirm`, { csrf: csrfOf(confirmPage.text), t: linkSecret })
  expect(confirmed.status).toBe(303)
  needles['magic link token'] =
    new URL(confirmed.headers.get('location') ?? '').searchParams.get('verification_token') ?? ''

  const preset = await createSession({ channel: 'sms', to: PHONE })
  expect((await pageClient(server.url).get(`/hosted/${preset}`)).status).toBe(200)
  return { sessionId: bySms, linkSecret }
}

/** Sign-in with a wrong key, then the admin key; pages; a key created in the console (shown once). */
async function consolePages(app: CreatedApp) {
  const operator = pageClient(server.url)
  const signIn = await operator.get('/console/sign-in')
  needles['console pre-session cookie'] = operator.cookies.get('tessera_console_pre') ?? ''
  const wrongKey = `adm-${randomBytes(24).toString('base64url')}`
  needles['wrong admin key'] = wrongKey
  const refused = await operator.post('/console/sign-in', { csrf: csrfOf(signIn.text), admin_key: wrongKey })
  expect(refused.status).toBe(401)
  const signedIn = await operator.post('/console/sign-in', {
    csrf: csrfOf(refused.text),
    admin_key: secrets.TESSERA_ADMIN_KEY,
  })
  expect(signedIn.status).toBe(303)
  needles['console session cookie'] = operator.cookies.get('tessera_console') ?? ''

  const verifications = await operator.get(`/console/apps/${app.appId}/verifications?status=approved&scene=login`)
  expect(verifications.status).toBe(200)
  const verificationId = /\/verifications\/(ver_[0-9a-z]+)/.exec(verifications.text)?.[1]
  expect((await operator.get(`/console/apps/${app.appId}/verifications/${verificationId}`)).status).toBe(200)
  expect((await operator.get(`/console/apps/${app.appId}`)).status).toBe(200)
  expect((await operator.get(`/console/apps/${app.appId}/events`)).status).toBe(200)
  const keys = await operator.get(`/console/apps/${app.appId}/keys`)
  const created = await operator.post(`/console/apps/${app.appId}/keys`, { csrf: csrfOf(keys.text), name: 'ops' })
  expect(created.status).toBe(201)
  needles['console-created key'] = /(tsk_[A-Za-z0-9_-]+)/.exec(created.text)?.[1] ?? ''
}

/** Twilio's signed POST and Vonage's signed GET carry the recipient's number; so do forged ones. */
async function providerCallbacks(relay: CreatedApp) {
  const start = () => api(relay, 'POST', '/v1/verifications', { channel: 'sms', to: PHONE })
  expect((await start()).status).toBe(201)
  const viaTwilio = fake.messages.at(-1)
  expect(viaTwilio?.provider).toBe('twilio')
  needles['twilio-carried code'] = codeFromSms(viaTwilio?.text ?? '')
  const callbackUrl = viaTwilio?.callbackUrl ?? ''
  const signed = twilioCallback(callbackUrl, { MessageSid: viaTwilio?.messageId ?? '', MessageStatus: 'delivered' })
  expect(signed.body).toContain(encodeURIComponent(PHONE))
  expect((await fetch(callbackUrl, { method: 'POST', headers: signed.headers, body: signed.body })).status).toBe(204)

  fake.behaviour.twilio = 'server_error'
  expect((await start()).status).toBe(201)
  fake.behaviour.twilio = 'ok'
  const viaVonage = fake.messages.at(-1)
  expect(viaVonage?.provider).toBe('vonage')
  needles['vonage-carried code'] = codeFromSms(viaVonage?.text ?? '')
  const vonageUrl = viaVonage?.callbackUrl ?? ''
  const receipt = vonageReceipt(
    { messageId: viaVonage?.messageId ?? '', status: 'delivered', msisdn: PHONE.slice(1) } as Parameters<
      typeof vonageReceipt
    >[0],
    Date.now(),
  )
  needles['vonage signature'] = receipt.sig ?? ''
  expect((await fetch(`${vonageUrl}?${new URLSearchParams(receipt)}`)).status).toBe(204)

  const unsigned = new URLSearchParams({ msisdn: PHONE.slice(1), messageId: 'x', status: 'delivered' })
  expect((await fetch(`${vonageUrl}?${unsigned}`)).status).toBe(401)
  const forged = await fetch(callbackUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ MessageSid: 'SMforged', MessageStatus: 'delivered', To: PHONE }),
  })
  expect(forged.status).toBe(401)

  // Twilio's refusal quotes the number ("The 'To' number +1… is not a valid phone number").
  fake.behaviour.twilio = 'invalid_number'
  expect((await start()).body.error_code).toBe(4011)
  fake.behaviour.twilio = 'ok'
  expect(fake.refusals).toEqual([])
}

/** A malformed request whose raw bytes hold a link secret and a key: Node's parser keeps them (`rawPacket`). */
async function sendMalformedRequest(path: string, key: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const { port } = new URL(server.url)
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nNot A Header\r\n\r\n`)
    })
    socket.on('data', () => socket.destroy())
    socket.on('error', () => undefined)
    socket.on('close', () => resolve())
    socket.setTimeout(5000, () => socket.destroy())
  })
}

/** Failures log too: refused delivery, bad keys, requests that match no route or are not HTTP. */
async function failures(app: CreatedApp, hosted: { sessionId: string; linkSecret: string }) {
  const { sessionId, linkSecret } = hosted
  expect((await call(server.url, 'GET', `/hosted/${sessionId}/confirmed?t=${linkSecret}`)).status).toBe(404)
  expect((await call(server.url, 'GET', `/v1/users/${USER_ID}/nothing?to=${encodeURIComponent(PHONE)}`)).status).toBe(
    404,
  )
  expect((await call(server.url, 'GET', `/hosted/${sessionId}%zz/confirm?t=${linkSecret}`)).status).toBe(400)
  expect(
    (await call(server.url, 'GET', `/v1/users/${'x'.repeat(1600)}${USER_ID}/factors`, { key: app.key })).status,
  ).toBe(400)
  const malformed = await fetch(`${server.url}/v1/verifications/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${app.key}`, 'content-type': 'application/json' },
    body: `{"verification_id":"ver_x","verification_code":"${needles['sms code']}`,
  })
  expect(malformed.status).toBe(400)
  const unknownField = await api(app, 'POST', '/v1/verifications', { channel: 'sms', to: PHONE, pin: PHONE })
  expect(unknownField.status).toBe(400)
  await sendMalformedRequest(`/hosted/${sessionId}/confirm?t=${linkSecret}`, app.key)

  hook.status = 500
  const failed = await api(app, 'POST', '/v1/verifications', { channel: 'sms', to: PHONE })
  expect(failed.status).toBe(502)
  hook.status = 200
  const unknownKey = `tsk_${randomBytes(24).toString('base64url')}`
  needles['unknown key'] = unknownKey
  expect((await call(server.url, 'GET', '/v1/verifications/ver_x', { key: unknownKey })).status).toBe(401)
  expect((await call(server.url, 'GET', '/v1/verifications/ver_x', { key: secrets.TESSERA_ADMIN_KEY })).status).toBe(
    403,
  )
}

describe('logs at trace level', () => {
  it('hold no code, token, key, secret, session id or full identifier after every flow', async () => {
    const app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Logbook', {
      channels: { email: ALNUM, sms: ALNUM },
      redirect_urls: [REDIRECT],
      email_magic_link: true,
      limits: LIMITS_OUT_OF_THE_WAY,
    })
    const relay = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Relay', {
      channels: { sms: { ...ALNUM, providers: twilioThenVonage(fake.url, 500) } },
      limits: LIMITS_OUT_OF_THE_WAY,
    })
    Object.assign(needles, {
      'admin key': secrets.TESSERA_ADMIN_KEY,
      'server secret': secrets.TESSERA_SECRET,
      'webhook secret': webhookSecret,
      'webhook secret bytes': webhookSecret.slice('whsec_'.length),
      'app key': app.key,
      'relay app key': relay.key,
      'twilio auth token': TWILIO.authToken,
      'vonage api secret': VONAGE.apiSecret,
      'vonage signature secret': VONAGE.signatureSecret,
      email: EMAIL,
      'normalised email': EMAIL_NORMALISED,
      'user id (an email address)': USER_ID,
      phone: PHONE,
      'national phone number': PHONE.slice(2),
    })

    await verificationsAndTokens(app)
    await factors(app)
    const hosted = await hostedPages(app)
    await consolePages(app)
    await providerCallbacks(relay)
    await failures(app, hosted)

    expect(await server.stop()).toBe(0)
    const lines = server.allLines()
    expect(findLeaks(lines, needles)).toEqual([])

    // The log really was written at `trace` and covers every flow, each request by its route template.
    const json = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(json.some((entry) => entry.level === 10 && entry.msg === 'client error')).toBe(true)
    expect(json.some((entry) => entry.msg === 'delivery failed')).toBe(true)
    expect(lines.some((line) => line.includes('from TESSERA_ADMIN_KEY'))).toBe(true)
    const routes = new Set(
      json.filter((entry) => entry.msg === 'incoming request').map((entry) => (entry.req as { route: unknown }).route),
    )
    for (const route of [
      '/v1/verifications',
      '/v1/verifications/:verification_id/resend',
      '/v1/verifications/verify',
      '/v1/verifications/:verification_id',
      '/v1/tokens/verify',
      '/v1/users/:user_id/factors',
      '/v1/users/:user_id/factors/:factor_id/activate',
      '/v1/users/:user_id/factors/:factor_id',
      '/v1/users/:user_id/challenges',
      '/v1/sessions',
      '/v1/sessions/:session_id/exchange',
      '/hosted/:session_id',
      '/hosted/:session_id/start',
      '/hosted/:session_id/resend',
      '/hosted/:session_id/verify',
      '/hosted/:session_id/confirm',
      '/console/sign-in',
      '/console/apps/:app_id',
      '/console/apps/:app_id/verifications',
      '/console/apps/:app_id/verifications/:verification_id',
      '/console/apps/:app_id/keys',
      '/v1/providers/:provider/status',
      null,
    ]) {
      expect(routes, String(route)).toContain(route)
    }
  }, 90_000)
})
