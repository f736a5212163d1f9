import { describe, expect, it } from 'vitest'
import { TWILIO } from '../../../test/helpers/fake-sms-providers.js'
import { twilioCallCallback } from '../../../test/helpers/fake-voice-and-chat-providers.js'
import type { CallbackRequest } from '../delivery-provider.js'
import { twilioCallProvider, twiml } from './twilio-call-provider.js'

const URL = 'http://tessera.test/v1/providers/twilio/status'
const request = (signed: { body: string; headers: Record<string, string> }): CallbackRequest => ({
  url: URL,
  method: 'POST',
  headers: signed.headers,
  params: Object.fromEntries(new URLSearchParams(signed.body)),
  rawBody: signed.body,
})

describe('twiml', () => {
  it('says each step in the voice’s language, pauses in whole seconds, and escapes the text', () => {
    expect(
      twiml({
        language: 'pt-BR',
        steps: [{ say: 'A & <B>' }, { pauseSeconds: 1 }, { say: '7' }, { pauseSeconds: 2 }],
        text: '',
      }),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="pt-BR">A &amp; &lt;B&gt;</Say><Pause length="1"/><Say language="pt-BR">7</Say><Pause length="2"/></Response>',
    )
  })
})

describe('call status callbacks', () => {
  const handler = twilioCallProvider.statusCallback
  if (!handler) throw new Error('twilio calls take callbacks')
  const options = { account_sid: TWILIO.accountSid, auth_token: TWILIO.authToken } as never

  it.each([
    ['completed', 'delivered'],
    ['busy', 'undelivered'],
    ['no-answer', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    ['ringing', 'queued'],
    ['in-progress', 'sent'],
  ])('maps CallStatus %s to %s', (callStatus, status) => {
    const signed = request(twilioCallCallback(URL, { CallSid: 'CA1', CallStatus: callStatus }))
    expect(handler.verify(signed, options, Date.now())).toBe(true)
    expect(handler.parse(signed)).toMatchObject({ providerMessageId: 'CA1', status })
  })

  it('refuses another token, another account or a changed field', () => {
    const signed = request(twilioCallCallback(URL, { CallSid: 'CA1', CallStatus: 'completed' }))
    expect(handler.verify(signed, { account_sid: TWILIO.accountSid, auth_token: 'x'.repeat(20) } as never, 0)).toBe(
      false,
    )
    expect(handler.verify({ ...signed, params: { ...signed.params, CallStatus: 'busy' } }, options, 0)).toBe(false)
    const otherAccount = { account_sid: `AC${'c'.repeat(32)}`, auth_token: TWILIO.authToken } as never
    expect(handler.verify(signed, otherAccount, 0)).toBe(false)
  })
})
