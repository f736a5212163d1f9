import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TWILIO, twilioCallback, useFakeSmsProviders } from '../../../test/helpers/fake-sms-providers.js'
import { providerDeps, sendOptions, testMessage } from '../../../test/helpers/send-options.js'
import { DeliveryError } from '../delivery-provider.js'
import { twilioProvider } from './twilio-provider.js'
import { isValidTwilioSignature, twilioSignature } from './twilio-signature.js'

describe('twilioSignature', () => {
  // Twilio's published example (docs "Validating requests", and every Twilio SDK's tests).
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2'
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  }

  it("reproduces Twilio's published example", () => {
    expect(twilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=')
    expect(isValidTwilioSignature('12345', url, params, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')).toBe(true)
  })

  it('refuses a changed parameter, URL, token, or a missing signature', () => {
    const good = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
    expect(isValidTwilioSignature('12345', url, { ...params, Digits: '9999' }, good)).toBe(false)
    expect(isValidTwilioSignature('12345', `${url}&x=1`, params, good)).toBe(false)
    expect(isValidTwilioSignature('54321', url, params, good)).toBe(false)
    expect(isValidTwilioSignature('12345', url, params, undefined)).toBe(false)
  })
})

const message = testMessage({ verificationId: 'ver_twilio' })

describe('twilioProvider against a local Twilio', () => {
  const fakes = useFakeSmsProviders({ beforeAll, afterAll, beforeEach })

  const sender = (overrides: Record<string, unknown> = {}) =>
    twilioProvider.create(
      {
        account_sid: TWILIO.accountSid,
        auth_token: TWILIO.authToken,
        from: '+15005550006',
        base_url: `${fakes().url}/twilio`,
        ...overrides,
      },
      providerDeps(),
    )

  it('creates a Message with To, Body, From and StatusCallback, and answers its sid as queued', async () => {
    const receipt = await sender().send(message, sendOptions(5000, 'twilio'))
    expect(fakes().refusals).toEqual([])
    const sent = fakes().messages[0]
    expect(sent).toMatchObject({ to: '+14155552671', text: message.text })
    expect(sent?.fields).toMatchObject({
      From: '+15005550006',
      StatusCallback: 'http://tessera.test/v1/providers/twilio/status',
    })
    expect(receipt).toEqual({ provider: 'twilio', providerMessageId: sent?.messageId, status: 'queued' })
  })

  it('sends MessagingServiceSid instead of From when configured', async () => {
    const service = `MG${'b'.repeat(32)}`
    await sender({ from: undefined, messaging_service_sid: service }).send(message, sendOptions())
    expect(fakes().messages[0]?.fields).toMatchObject({ MessagingServiceSid: service })
    expect(fakes().messages[0]?.fields.From).toBeUndefined()
  })

  it.each([
    ['invalid_number', 'invalid_recipient', '21211'],
    ['rate_limited', 'unavailable', '20429'],
    ['server_error', 'unavailable', '20503'],
  ] as const)('maps %s to a %s DeliveryError with Twilio’s code', async (behaviour, kind, code) => {
    fakes().behaviour.twilio = behaviour
    const error = await sender()
      .send(message, sendOptions())
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect(error).toMatchObject({ kind, code })
  })

  it('treats wrong credentials as rejected (another provider may still carry the message)', async () => {
    const error = await sender({ auth_token: 'wrong-token-000' })
      .send(message, sendOptions())
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ kind: 'rejected', code: '20003' })
  })

  it('gives up at the deadline when Twilio does not answer', async () => {
    fakes().behaviour.twilio = 'hang'
    const error = await sender()
      .send(message, sendOptions(200))
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ kind: 'unavailable', code: 'timeout' })
  })

  it('asks for exactly one of from and messaging_service_sid', () => {
    const base = { account_sid: TWILIO.accountSid, auth_token: TWILIO.authToken, base_url: 'https://api.twilio.com' }
    expect(twilioProvider.validate?.(base)).toMatch(/exactly one/)
    expect(twilioProvider.validate?.({ ...base, from: '+1', messaging_service_sid: `MG${'b'.repeat(32)}` })).toMatch(
      /exactly one/,
    )
    expect(twilioProvider.validate?.({ ...base, from: '+15005550006' })).toBeUndefined()
  })
})

describe('twilio status callbacks', () => {
  const handler = twilioProvider.statusCallback
  if (!handler) throw new Error('twilio has a status callback handler')
  const url = 'https://tessera.example/v1/providers/twilio/status'
  const options = { account_sid: TWILIO.accountSid, auth_token: TWILIO.authToken, base_url: 'https://api.twilio.com' }
  const request = (body: string, headers: Record<string, string>) => ({
    url,
    method: 'POST',
    headers,
    params: Object.fromEntries(new URLSearchParams(body)),
    rawBody: body,
  })

  it('accepts a signed callback and maps MessageStatus', () => {
    const { body, headers } = twilioCallback(url, { MessageSid: 'SM1', MessageStatus: 'delivered' })
    const callback = request(body, headers)
    expect(handler.verify(callback, options, Date.now())).toBe(true)
    expect(handler.parse(callback)).toEqual({ providerMessageId: 'SM1', status: 'delivered', errorCode: undefined })
    const failed = twilioCallback(url, { MessageSid: 'SM2', MessageStatus: 'undelivered', ErrorCode: '30003' })
    expect(handler.parse(request(failed.body, failed.headers))).toMatchObject({
      status: 'undelivered',
      errorCode: '30003',
    })
  })

  it('refuses a forged, unsigned or other-account callback', () => {
    const forged = twilioCallback(url, { MessageSid: 'SM1', MessageStatus: 'delivered' }, 'not-the-token')
    expect(handler.verify(request(forged.body, forged.headers), options, Date.now())).toBe(false)
    const { body } = twilioCallback(url, { MessageSid: 'SM1', MessageStatus: 'delivered' })
    expect(handler.verify(request(body, {}), options, Date.now())).toBe(false)
    const signed = twilioCallback(url, { MessageSid: 'SM1', MessageStatus: 'delivered' })
    const otherAccount = { ...options, account_sid: `AC${'c'.repeat(32)}` }
    expect(handler.verify(request(signed.body, signed.headers), otherAccount, Date.now())).toBe(false)
  })
})
