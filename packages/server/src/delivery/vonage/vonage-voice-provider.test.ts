import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { VONAGE_VOICE, vonageVoiceEvent } from '../../../test/helpers/fake-voice-and-chat-providers.js'
import type { CallbackRequest } from '../delivery-provider.js'
import { isValidVonageWebhookJwt } from './vonage-voice-jwt.js'
import { ncco, vonageVoiceProvider } from './vonage-voice-provider.js'

const NOW = Date.parse('2026-01-01T00:00:00Z')
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A JWT signed by hand, so the claims and header can be anything an attacker might send. */
function handMadeJwt(header: unknown, claims: unknown, secret: string): string {
  const unsigned = `${base64url(header)}.${base64url(claims)}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}

describe('Vonage signed webhooks (call events)', () => {
  const body = '{"uuid":"63f61863","status":"completed"}'
  const hash = createHash('sha256').update(body).digest('hex')
  const claims = { iat: NOW / 1000, jti: 'j', payload_hash: hash, application_id: VONAGE_VOICE.applicationId }
  const secret = VONAGE_VOICE.signatureSecret

  it('accepts an HS256 JWT with the body’s hash, as jose signs it for the fixture', async () => {
    const event = await vonageVoiceEvent({ uuid: '63f61863', status: 'completed' }, NOW)
    expect(isValidVonageWebhookJwt(event.headers.authorization, event.body, secret, NOW)).toMatchObject({
      application_id: VONAGE_VOICE.applicationId,
    })
  })

  it('refuses another body, another secret, alg none, a stale token and a missing hash', () => {
    const good = `Bearer ${handMadeJwt({ alg: 'HS256', typ: 'JWT' }, claims, secret)}`
    expect(isValidVonageWebhookJwt(good, body, secret, NOW)).toBeDefined()
    expect(isValidVonageWebhookJwt(good, body.replace('completed', 'failed'), secret, NOW)).toBeUndefined()
    expect(isValidVonageWebhookJwt(good, body, 'another-secret', NOW)).toBeUndefined()
    const none = `Bearer ${base64url({ alg: 'none' })}.${base64url(claims)}.`
    expect(isValidVonageWebhookJwt(none, body, secret, NOW)).toBeUndefined()
    const hs512 = `Bearer ${handMadeJwt({ alg: 'HS512' }, claims, secret)}`
    expect(isValidVonageWebhookJwt(hs512, body, secret, NOW)).toBeUndefined()
    expect(isValidVonageWebhookJwt(good, body, secret, NOW + 2 * 3600 * 1000)).toBeUndefined()
    const noHash = `Bearer ${handMadeJwt({ alg: 'HS256' }, { ...claims, payload_hash: undefined }, secret)}`
    expect(isValidVonageWebhookJwt(noHash, body, secret, NOW)).toBeUndefined()
    expect(isValidVonageWebhookJwt(undefined, body, secret, NOW)).toBeUndefined()
    expect(isValidVonageWebhookJwt('Bearer not.a.jwt', body, secret, NOW)).toBeUndefined()
  })

  it('the provider refuses events without a signature secret or for another application', async () => {
    const handler = vonageVoiceProvider.statusCallback
    if (!handler) throw new Error('vonage voice takes events')
    const event = await vonageVoiceEvent({ uuid: '63f61863', status: 'busy' }, NOW)
    const request: CallbackRequest = {
      url: 'http://tessera.test/v1/providers/vonage/status',
      method: 'POST',
      headers: event.headers,
      params: JSON.parse(event.body) as Record<string, string>,
      rawBody: event.body,
    }
    const options = { application_id: VONAGE_VOICE.applicationId, signature_secret: secret } as never
    expect(handler.verify(request, options, NOW)).toBe(true)
    expect(handler.verify(request, { application_id: VONAGE_VOICE.applicationId } as never, NOW)).toBe(false)
    const otherApp = { application_id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', signature_secret: secret } as never
    expect(handler.verify(request, otherApp, NOW)).toBe(false)
    expect(handler.parse(request)).toEqual({ providerMessageId: '63f61863', status: 'undelivered', errorCode: 'busy' })
  })
})

describe('the NCCO', () => {
  it('is one talk action in SSML, escaped, in Vonage’s name for the language', () => {
    const [talk] = ncco({
      language: 'ar-XA',
      steps: [{ say: 'Code <b> & "x"' }, { pauseSeconds: 1 }, { say: '4' }, { pauseSeconds: 0.5 }],
      text: '',
    }) as Array<{ action: string; text: string; language: string }>
    expect(talk).toEqual({
      action: 'talk',
      text: '<speak>Code &lt;b&gt; &amp; &quot;x&quot; <break time="1000ms"/> 4 <break time="500ms"/></speak>',
      language: 'ar',
    })
  })
})
