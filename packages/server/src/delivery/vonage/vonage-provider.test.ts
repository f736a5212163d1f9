import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { useFakeSmsProviders, VONAGE, vonageReceipt } from '../../../test/helpers/fake-sms-providers.js'
import { providerDeps, sendOptions, testMessage } from '../../../test/helpers/send-options.js'
import { vonageProvider } from './vonage-provider.js'
import { isValidVonageSignature, vonageSignature } from './vonage-signature.js'

describe('vonageSignature', () => {
  // The vector of Vonage's own SDK tests: params a=1, b=2, timestamp, secret "secret", md5hash.
  const params = { a: '1', b: '2', timestamp: '1461605396' }

  it("reproduces Vonage's published md5hash vector", () => {
    expect(vonageSignature(params, 'secret', 'md5hash')).toBe('6af838ef94998832dbfc29020b564830')
  })

  it('HMAC methods give uppercase hex keyed by the secret; & and = in values become _', () => {
    const sha256 = vonageSignature(params, 'secret', 'sha256')
    expect(sha256).toMatch(/^[0-9A-F]{64}$/)
    expect(vonageSignature({ text: 'a=b&c' }, 's', 'md5hash')).toBe(vonageSignature({ text: 'a_b_c' }, 's', 'md5hash'))
  })

  it('checks the signature and refuses stale timestamps (replays)', () => {
    const now = 1_461_605_396_000
    const signed = { ...params, sig: '6af838ef94998832dbfc29020b564830' }
    expect(isValidVonageSignature(signed, 'secret', 'md5hash', now)).toBe(true)
    expect(isValidVonageSignature({ ...signed, a: '2' }, 'secret', 'md5hash', now)).toBe(false)
    expect(isValidVonageSignature(signed, 'secret', 'md5hash', now + 10 * 60_000)).toBe(false)
    expect(isValidVonageSignature(params, 'secret', 'md5hash', now)).toBe(false)
  })
})

const message = testMessage({
  to: '+447700900000',
  text: 'Код Acme: 482913. Действует 10 мин. Никому его не сообщайте.',
  verificationId: 'ver_vonage',
  locale: 'ru',
})

describe('vonageProvider against a local Vonage', () => {
  const fakes = useFakeSmsProviders({ beforeAll, afterAll, beforeEach })
  const options = {
    api_key: VONAGE.apiKey,
    api_secret: VONAGE.apiSecret,
    from: 'Acme',
    signature_secret: VONAGE.signatureSecret,
    signature_method: 'md5hash' as const,
    base_url: '',
  }
  const sender = () => vonageProvider.create({ ...options, base_url: `${fakes().url}/vonage` }, providerDeps())

  it('posts key, secret, sender, the number without +, unicode type for Cyrillic, and the callback URL', async () => {
    const receipt = await sender().send(message, sendOptions(5000, 'vonage'))
    const sent = fakes().messages[0]
    expect(sent?.fields).toMatchObject({
      to: '447700900000',
      from: 'Acme',
      type: 'unicode',
      callback: 'http://tessera.test/v1/providers/vonage/status',
      'client-ref': 'ver_vonage',
    })
    expect(receipt).toEqual({ provider: 'vonage', providerMessageId: sent?.messageId, status: 'sent' })
  })

  it.each([
    ['invalid_number', 'invalid_recipient', '3'],
    ['rate_limited', 'unavailable', '1'],
    ['server_error', 'unavailable', 'http_500'],
  ] as const)('maps %s to a %s error with Vonage’s status', async (behaviour, kind, code) => {
    fakes().behaviour.vonage = behaviour
    await expect(sender().send(message, sendOptions())).rejects.toMatchObject({ kind, code })
  })

  it('accepts only delivery receipts signed with the signature secret, recent, for its key', () => {
    const handler = vonageProvider.statusCallback
    if (!handler) throw new Error('vonage has a status callback handler')
    const now = Date.now()
    const request = (params: Record<string, string>) => ({ url: '', method: 'GET', headers: {}, params, rawBody: '' })
    const good = request(vonageReceipt({ messageId: 'm1', status: 'delivered' }, now))
    expect(handler.verify(good, options, now)).toBe(true)
    expect(handler.parse(good)).toEqual({ providerMessageId: 'm1', status: 'delivered', errorCode: undefined })
    expect(
      handler.verify(request(vonageReceipt({ messageId: 'm1', status: 'delivered' }, now, 'forged')), options, now),
    ).toBe(false)
    const tampered = { ...vonageReceipt({ messageId: 'm1', status: 'failed' }, now), status: 'delivered' }
    expect(handler.verify(request(tampered), options, now)).toBe(false)
    // Without a signature secret, receipts cannot be authenticated: refused.
    expect(handler.verify(good, { ...options, signature_secret: undefined }, now)).toBe(false)
    const expired = request(vonageReceipt({ messageId: 'm1', status: 'expired', 'err-code': '5' }, now))
    expect(handler.parse(expired)).toEqual({ providerMessageId: 'm1', status: 'undelivered', errorCode: '5' })
  })
})
