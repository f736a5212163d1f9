import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { META, metaReceipt, useFakeVoiceAndChatProviders } from '../../../test/helpers/fake-voice-and-chat-providers.js'
import { providerDeps, sendOptions, testMessage } from '../../../test/helpers/send-options.js'
import type { CallbackRequest } from '../delivery-provider.js'
import { DeliveryError } from '../delivery-provider.js'
import { META_DEFAULT_API_VERSION, metaProvider } from './meta-provider.js'
import { isValidMetaSignature, metaSignature } from './meta-signature.js'

const options = (fakeUrl: string, extra: Record<string, unknown> = {}) =>
  ({
    phone_number_id: META.phoneNumberId,
    access_token: META.accessToken,
    app_secret: META.appSecret,
    verify_token: META.verifyToken,
    template_name: META.templateName,
    api_version: META_DEFAULT_API_VERSION,
    base_url: `${fakeUrl}/meta`,
    ...extra,
  }) as never

const callback = (signed: { body: string; headers: Record<string, string> }): CallbackRequest => ({
  url: 'http://tessera.test/v1/providers/meta/status',
  method: 'POST',
  headers: signed.headers,
  params: { object: 'whatsapp_business_account' },
  rawBody: signed.body,
})

describe('metaSignature', () => {
  it('is sha256= and the hex HMAC-SHA256 of the raw body with the app secret', () => {
    const body = '{"object":"whatsapp_business_account","entry":[]}'
    const expected = createHmac('sha256', 'secret').update(body).digest('hex')
    expect(metaSignature('secret', body)).toBe(`sha256=${expected}`)
    expect(isValidMetaSignature('secret', body, `sha256=${expected.toUpperCase()}`)).toBe(true)
    expect(isValidMetaSignature('secret', `${body} `, `sha256=${expected}`)).toBe(false)
    expect(isValidMetaSignature('other', body, `sha256=${expected}`)).toBe(false)
    expect(isValidMetaSignature('secret', body, undefined)).toBe(false)
    expect(isValidMetaSignature('secret', body, expected)).toBe(false)
  })
})

describe('metaProvider against a local Cloud API', () => {
  const fakes = useFakeVoiceAndChatProviders({ beforeAll, afterAll, beforeEach })
  const whatsapp = testMessage({ channel: 'whatsapp', locale: 'zh-TW' })

  it('sends the template in the locale’s language code and answers the wamid', async () => {
    const sender = metaProvider.create(options(fakes().url), providerDeps())
    const receipt = await sender.send(whatsapp, sendOptions(5000, 'meta'))
    expect(receipt).toMatchObject({
      provider: 'meta',
      status: 'queued',
      providerMessageId: expect.stringMatching(/^wamid\./),
    })
    expect(fakes().requests[0]?.body).toMatchObject({ to: '14155552671', template: { language: { code: 'zh_TW' } } })
  })

  it.each([
    ['rate_limited', 'unavailable', '130429'],
    ['server_error', 'unavailable', '1'],
    ['invalid_number', 'invalid_recipient', '131026'],
  ] as const)('maps %s to %s with Meta’s code', async (behaviour, kind, code) => {
    fakes().behaviour.meta = behaviour
    const sender = metaProvider.create(options(fakes().url), providerDeps())
    const error = await sender.send(whatsapp, sendOptions(5000, 'meta')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect(error).toMatchObject({ kind, code })
  })

  it('a wrong access token is rejected (the chain moves on), never invalid_recipient', async () => {
    const sender = metaProvider.create(options(fakes().url, { access_token: 'EAAG-wrong-token' }), providerDeps())
    const error = await sender.send(whatsapp, sendOptions(5000, 'meta')).catch((e: unknown) => e)
    expect(error).toMatchObject({ kind: 'rejected', code: '190' })
  })
})

describe('Meta receipts and the handshake', () => {
  const handler = metaProvider.statusCallback
  if (!handler) throw new Error('meta takes receipts')
  const opts = options('http://unused')

  it('reads every status of a batch, read as delivered and failed with its error code', () => {
    const signed = metaReceipt([
      { id: 'wamid.A', status: 'sent' },
      { id: 'wamid.B', status: 'read' },
      { id: 'wamid.C', status: 'failed', errors: [{ code: 131047, title: 'Re-engagement message' }] },
      { id: 'wamid.D', status: 'deleted' },
    ])
    expect(handler.parseAll?.(callback(signed))).toEqual([
      { providerMessageId: 'wamid.A', status: 'sent', errorCode: undefined },
      { providerMessageId: 'wamid.B', status: 'delivered', errorCode: undefined },
      { providerMessageId: 'wamid.C', status: 'failed', errorCode: '131047' },
    ])
  })

  it('verifies the signature over the raw body, and refuses without an app secret or for another number', () => {
    const signed = metaReceipt([{ id: 'wamid.A', status: 'delivered' }])
    expect(handler.verify(callback(signed), opts, Date.now())).toBe(true)
    expect(handler.verify(callback(signed), options('http://unused', { app_secret: undefined }), Date.now())).toBe(
      false,
    )
    const other = metaReceipt([{ id: 'wamid.A', status: 'delivered' }], { phoneNumberId: '42' })
    expect(handler.verify(callback(other), opts, Date.now())).toBe(false)
    expect(handler.verify({ ...callback(signed), rawBody: `${signed.body}\n` }, opts, Date.now())).toBe(false)
  })

  it('answers the challenge only for subscribe with the configured token', () => {
    const get = (params: Record<string, string>): CallbackRequest => ({
      url: 'http://tessera.test/v1/providers/meta/status',
      method: 'GET',
      headers: {},
      params,
      rawBody: '',
    })
    const hub = { 'hub.mode': 'subscribe', 'hub.verify_token': META.verifyToken, 'hub.challenge': '1158201444' }
    expect(handler.handshake?.(get(hub), opts)).toBe('1158201444')
    expect(handler.handshake?.(get({ ...hub, 'hub.verify_token': 'nope' }), opts)).toBe(false)
    expect(handler.handshake?.(get({ ...hub, 'hub.mode': 'unsubscribe' }), opts)).toBe(false)
    expect(handler.handshake?.(get(hub), options('http://unused', { verify_token: undefined }))).toBe(false)
    expect(handler.handshake?.(get({ foo: 'bar' }), opts)).toBeUndefined()
  })
})
