import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import { twilioApi } from '../../../test/helpers/twilio-api.js'

// Email ChannelConfiguration on the Twilio face, in process: what reaches the provider for each send.
// (test/e2e/twilio-channel-configuration-over-real-smtp.test.ts reads the same over real SMTP.)

const TEMPLATES = {
  templates: {
    email: {
      welcome: { en: { subject: 'Welcome {substitutions.name}', text: 'Hi {substitutions.name}: {code}' } },
    },
  },
}

describe('Twilio face: email ChannelConfiguration', () => {
  it('gives the provider the sender, the named template and the substitutions, on a start and a resend', async ({
    t,
    appWith,
  }) => {
    const app = await appWith(TEMPLATES)
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const configuration = JSON.stringify({
      from: 'team@acme.example',
      from_name: 'Acme Team',
      template_id: 'welcome',
      substitutions: { name: 'Ada' },
      unknown_field: { ignored: true },
    })
    const { body, code } = await api.startOk(serviceSid, {
      To: 'ada@example.org',
      Channel: 'email',
      ChannelConfiguration: configuration,
    })
    const first = t.capture.messages.at(-1)
    expect(first).toMatchObject({
      to: 'ada@example.org',
      subject: 'Welcome Ada',
      text: `Hi Ada: ${code}`,
      sender: { address: 'team@acme.example', name: 'Acme Team' },
    })

    // Starting again sends on the same verification with this start's configuration.
    const again = await api.post(`/Services/${serviceSid}/Verifications`, {
      To: 'ada@example.org',
      Channel: 'email',
      ChannelConfiguration: JSON.stringify({ substitutions: { name: 'Grace' }, template_id: 'welcome' }),
    })
    expect(again.json().sid).toBe(body.sid)
    const second = t.capture.messages.at(-1)
    expect(second?.subject).toBe('Welcome Grace')
    expect(second?.sender).toBeUndefined()

    // Without one, the app's message as configured.
    await api.startOk(serviceSid, { To: 'bob@example.org', Channel: 'email' })
    const plain = t.capture.messages.at(-1)
    expect(plain?.subject).not.toContain('Welcome')
    expect(plain?.sender).toBeUndefined()
  })

  it('ignores the email fields on a channel that sends no mail', async ({ t, app }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    await api.startOk(serviceSid, {
      To: '+14155552671',
      Channel: 'sms',
      ChannelConfiguration: JSON.stringify({ from: 'team@acme.example', template_id: 'nowhere' }),
    })
    expect(t.capture.messages.at(-1)?.sender).toBeUndefined()
  })

  it('refuses a template the app does not have, and bad fields, with 60200 naming the field, sending nothing', async ({
    t,
    app,
  }) => {
    const api = await twilioApi(t, app)
    const serviceSid = await api.serviceOk()
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ template_id: 'welcome' }, 'ChannelConfiguration.template_id'],
      [{ from: 'nope' }, 'ChannelConfiguration.from'],
      [{ from_name: 'a\nb' }, 'ChannelConfiguration.from_name'],
      [{ substitutions: { name: ['x'] } }, 'ChannelConfiguration.substitutions.name'],
      [{ substitutions: null, from: 7 }, 'ChannelConfiguration.from'],
    ]
    for (const [configuration, field] of cases) {
      const res = await api.post(`/Services/${serviceSid}/Verifications`, {
        To: 'ada@example.org',
        Channel: 'email',
        ChannelConfiguration: JSON.stringify(configuration),
      })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json()).toMatchObject({ code: 60200, status: 400 })
      expect(res.json().message).toContain(field)
    }
    expect(t.capture.messages).toHaveLength(0)
  })
})
