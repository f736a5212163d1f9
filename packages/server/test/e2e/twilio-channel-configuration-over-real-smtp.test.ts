import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { twilioClientFor } from '../helpers/twilio-client.js'
import { type CreatedApp, call, createAppWithKey } from './helpers/api.js'
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp-receiver.js'
import { cleanupTempDirs, killAll, secretsForTest, startServer, type TestServer } from './helpers/start-server.js'

// The Twilio face's email ChannelConfiguration (from, from_name, template_id, substitutions), sent by Twilio's
// own helper library and by plain form posts to a real `tessera serve`, read back from a real SMTP peer.

const secrets = secretsForTest()
let smtp: SmtpReceiver
let server: TestServer
let app: CreatedApp
let accountSid: string
let serviceSid: string

beforeAll(async () => {
  smtp = await startSmtpReceiver()
  server = await startServer({
    env: { ...secrets, TESSERA_SMTP_URL: smtp.url, TESSERA_EMAIL_FROM: 'Tessera <no-reply@tessera.test>' },
  })
  app = await createAppWithKey(server.url, secrets.TESSERA_ADMIN_KEY, 'Acme', {
    templates: {
      email: {
        'welcome-offer': {
          en: {
            subject: '{app_name} code for {substitutions.first_name}',
            text: 'Hi {substitutions.first_name}, your code is {code}. {substitutions.unused_here}',
            html: '<p>Hi {substitutions.first_name},</p><p>your code is <b>{code}</b>.</p>',
          },
        },
      },
    },
  })
  const read = await call(server.url, 'GET', `/admin/v1/apps/${app.appId}`, { key: secrets.TESSERA_ADMIN_KEY })
  accountSid = read.body.account_sid
  const service = await call(server.url, 'POST', '/v2/Services', {
    basic: [accountSid, app.key],
    form: { FriendlyName: 'Acme Verify' },
  })
  serviceSid = service.body.sid
}, 60_000)

afterAll(async () => {
  await server?.stop()
  await killAll()
  await smtp?.close()
  cleanupTempDirs()
})

const start = (form: Record<string, string>) =>
  call(server.url, 'POST', `/v2/Services/${serviceSid}/Verifications`, { basic: [accountSid, app.key], form })

describe("the Twilio face's email ChannelConfiguration", () => {
  it('passes through the twilio helper library: sender, template and escaped substitutions reach the mail', async () => {
    const client = twilioClientFor(server.url, accountSid, app.key)
    const verification = await client.verify.v2.services(serviceSid).verifications.create({
      to: 'grace@example.org',
      channel: 'email',
      channelConfiguration: {
        from: 'security@acme.example',
        from_name: 'Acme Security',
        template_id: 'welcome-offer',
        substitutions: { first_name: 'Grace <b>&</b> "Amazing"' },
      },
    })
    expect(verification).toMatchObject({ channel: 'email', status: 'pending', to: 'grace@example.org' })

    const mail = await smtp.nextMessage('grace@example.org')
    expect(mail.headers.from).toBe('Acme Security <security@acme.example>')
    // Bounces still go to the operator's configured address.
    expect(mail.envelopeFrom).toBe('no-reply@tessera.test')
    expect(mail.subject).toBe('Acme Verify code for Grace <b>&</b> "Amazing"')
    // The app's template, not Tessera's text: its own wording around the code.
    const code = /your code is (\d{6})\./.exec(mail.text ?? '')?.[1] ?? ''
    expect(code).toMatch(/^\d{6}$/)
    expect(mail.text).toContain(`Hi Grace <b>&</b> "Amazing", your code is ${code}.`)
    // A name the message was not given stays as written.
    expect(mail.text).toContain('{substitutions.unused_here}')
    expect(mail.html).toContain('<p>Hi Grace &lt;b&gt;&amp;&lt;/b&gt; &quot;Amazing&quot;,</p>')
    expect(mail.html).not.toContain('<b>&</b>')
    expect(mail.html).toContain(`<b>${code}</b>`)

    const approved = await client.verify.v2
      .services(serviceSid)
      .verificationChecks.create({ to: 'grace@example.org', code })
    expect(approved).toMatchObject({ status: 'approved', valid: true })
  })

  it('takes a sender name alone over the configured address, and applies it to a resend', async () => {
    const configuration = JSON.stringify({ from_name: 'Acme Team' })
    const first = await start({ To: 'ada@example.org', Channel: 'email', ChannelConfiguration: configuration })
    expect(first.status).toBe(201)
    const mail = await smtp.nextMessage('ada@example.org')
    expect(mail.headers.from).toBe('Acme Team <no-reply@tessera.test>')
    // No template_id: the app's usual message (Tessera's text, the service's name).
    expect(mail.subject).toContain('Acme Verify')

    const again = await start({
      To: 'ada@example.org',
      Channel: 'email',
      ChannelConfiguration: JSON.stringify({ from: 'hello@acme.example' }),
    })
    expect(again.body.sid).toBe(first.body.sid)
    const resent = await smtp.nextMessage('ada@example.org')
    expect(resent.headers.from).toBe('Tessera <hello@acme.example>')

    // Without a ChannelConfiguration, the provider's configured sender.
    await start({ To: 'plain@example.org', Channel: 'email' })
    expect((await smtp.nextMessage('plain@example.org')).headers.from).toBe('Tessera <no-reply@tessera.test>')
  })

  it('refuses bad values with 400 (60200) and sends nothing', async () => {
    const bad: Record<string, unknown>[] = [
      { template_id: 'no-such-template' },
      { template_id: 'Not A Key' },
      { from: 'not an address' },
      { from: 42 },
      { from_name: 'Evil\r\nBcc: victim@example.org' },
      { from_name: 'x'.repeat(101) },
      { from_name: '' },
      { substitutions: ['a'] },
      { substitutions: 'first_name=Ada' },
      { substitutions: { first_name: 7 } },
      { substitutions: { 'first name': 'Ada' } },
      { substitutions: { first_name: 'x'.repeat(501) } },
      { substitutions: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
    ]
    const before = smtp.messages.length
    const answers = await Promise.all(
      bad.map((configuration, index) =>
        start({ To: `bad${index}@example.org`, Channel: 'email', ChannelConfiguration: JSON.stringify(configuration) }),
      ),
    )
    for (const [index, answer] of answers.entries()) {
      expect({ index, status: answer.status, code: answer.body.code }).toEqual({ index, status: 400, code: 60200 })
      expect(answer.body.message).toContain('ChannelConfiguration')
    }
    // The helper library's way: a RestException with the same code.
    const client = twilioClientFor(server.url, accountSid, app.key)
    await expect(
      client.verify.v2.services(serviceSid).verifications.create({
        to: 'lib@example.org',
        channel: 'email',
        channelConfiguration: { template_id: 'missing' },
      }),
    ).rejects.toMatchObject({ status: 400, code: 60200 })
    // Give a wrongly sent mail time to arrive before counting (none may).
    await start({ To: 'marker@example.org', Channel: 'email' })
    await smtp.nextMessage('marker@example.org')
    expect(smtp.messages.length).toBe(before + 1)
  })
})
