import { createHash, createHmac, generateKeyPairSync, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt, importSPKI, jwtVerify, SignJWT } from 'jose'
import { twilioSignature } from '../../src/delivery/twilio/twilio-signature.js'
import { TWILIO } from './fake-sms-providers.js'

/**
 * Local stand-ins for the WhatsApp Business Cloud API (Meta), Twilio's Messages API on WhatsApp and its Calls
 * API, and the Vonage Voice API, on loopback. Each checks a request the way its provider documents it (Meta's
 * Bearer token and template message; Twilio's basic auth and form fields; Vonage's application JWT, verified
 * here with the public key) and answers in the provider's documented success and error shapes. Behaviour is
 * steered per API: `ok`, `rate_limited`, `invalid_number`, `server_error`, `hang`.
 */
export type FakeBehaviour = 'ok' | 'rate_limited' | 'invalid_number' | 'server_error' | 'hang'

export type FakeApi = 'meta' | 'twilio-whatsapp' | 'twilio-call' | 'vonage-voice'

export interface FakeRequestRecord {
  readonly api: FakeApi
  readonly to: string
  readonly messageId: string
  readonly callbackUrl?: string | undefined
  /** The parsed body: JSON (Meta, Vonage) or form fields (Twilio). */
  readonly body: Record<string, unknown>
  /** Vonage only: the verified claims of the application JWT. */
  readonly claims?: Record<string, unknown>
}

export const META = {
  phoneNumberId: '106540352242922',
  accessToken: 'EAAG-meta-access-token-0123456789',
  appSecret: 'meta-app-secret-0123456789',
  verifyToken: 'meta-verify-token-42',
  templateName: 'tessera_code',
}

const vonageKeys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
})

export const VONAGE_VOICE = {
  applicationId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  privateKey: vonageKeys.privateKey,
  publicKey: vonageKeys.publicKey,
  signatureSecret: 'vonage-voice-signature-secret',
  from: '+14155550100',
}

export const TWILIO_WHATSAPP = { from: '+14155238886', contentSid: `HX${'b'.repeat(32)}` }
export const TWILIO_CALL = { from: '+15005550006' }

export interface FakeVoiceAndChatProviders {
  readonly url: string
  readonly requests: FakeRequestRecord[]
  /** Requests refused for bad credentials or shapes (should stay empty). */
  readonly refusals: string[]
  behaviour: Record<FakeApi, FakeBehaviour>
  close(): Promise<void>
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

const twilioAuthorization = `Basic ${Buffer.from(`${TWILIO.accountSid}:${TWILIO.authToken}`).toString('base64')}`
const hex = (length: number) => createHash('sha256').update(randomUUID()).digest('hex').slice(0, length)

export async function startFakeVoiceAndChatProviders(): Promise<FakeVoiceAndChatProviders> {
  const requests: FakeRequestRecord[] = []
  const refusals: string[] = []
  const behaviour: Record<FakeApi, FakeBehaviour> = {
    meta: 'ok',
    'twilio-whatsapp': 'ok',
    'twilio-call': 'ok',
    'vonage-voice': 'ok',
  }
  const hanging = new Set<ServerResponse>()

  /** https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages */
  function meta(request: IncomingMessage, response: ServerResponse, body: string) {
    const match = /^\/meta\/(v\d+\.\d+)\/(\d+)\/messages$/.exec(request.url ?? '')
    if (!match || match[2] !== META.phoneNumberId || request.headers.authorization !== `Bearer ${META.accessToken}`) {
      refusals.push('meta: credentials')
      return json(response, 401, {
        error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, fbtrace_id: 'Afake' },
      })
    }
    let message: Record<string, unknown>
    try {
      message = JSON.parse(body) as Record<string, unknown>
    } catch {
      refusals.push('meta: body')
      return json(response, 400, { error: { message: 'Invalid JSON', type: 'OAuthException', code: 100 } })
    }
    const template = message.template as { name?: unknown; language?: { code?: unknown } } | undefined
    if (
      message.messaging_product !== 'whatsapp' ||
      typeof message.to !== 'string' ||
      message.type !== 'template' ||
      typeof template?.name !== 'string' ||
      typeof template.language?.code !== 'string'
    ) {
      refusals.push('meta: shape')
      return json(response, 400, {
        error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, fbtrace_id: 'Afake' },
      })
    }
    const state = behaviour.meta
    if (state === 'hang') return void hanging.add(response)
    if (state === 'rate_limited')
      return json(response, 429, {
        error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429, fbtrace_id: 'Afake' },
      })
    if (state === 'server_error')
      return json(response, 500, {
        error: { message: 'An unknown error occurred', type: 'OAuthException', code: 1, fbtrace_id: 'Afake' },
      })
    if (state === 'invalid_number')
      return json(response, 400, {
        error: { message: '(#131026) Message Undeliverable.', type: 'OAuthException', code: 131026 },
      })
    const id = `wamid.${Buffer.from(randomUUID()).toString('base64')}`
    requests.push({ api: 'meta', to: message.to, messageId: id, body: message })
    return json(response, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: message.to, wa_id: message.to }],
      messages: [{ id, message_status: 'accepted' }],
    })
  }

  /** https://www.twilio.com/docs/messaging/api/message-resource and /docs/voice/api/call-resource */
  function twilio(request: IncomingMessage, response: ServerResponse, body: string) {
    const match = /^\/twilio\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/(Messages|Calls)\.json$/.exec(request.url ?? '')
    if (!match || match[1] !== TWILIO.accountSid || request.headers.authorization !== twilioAuthorization) {
      refusals.push('twilio: credentials')
      return json(response, 401, { code: 20003, message: 'Authenticate', status: 401 })
    }
    const form = Object.fromEntries(new URLSearchParams(body))
    const api: FakeApi = match[2] === 'Calls' ? 'twilio-call' : 'twilio-whatsapp'
    const complete =
      api === 'twilio-call'
        ? form.To && form.From && (form.Twiml || form.Url)
        : form.To && form.From && (form.Body || form.ContentSid)
    if (!complete) {
      refusals.push(`${api}: shape`)
      return json(response, 400, { code: 21604, message: "A 'To' phone number is required.", status: 400 })
    }
    const state = behaviour[api]
    if (state === 'hang') return void hanging.add(response)
    if (state === 'rate_limited') return json(response, 429, { code: 20429, message: 'Too Many Requests', status: 429 })
    if (state === 'server_error')
      return json(response, 503, { code: 20503, message: 'Service unavailable', status: 503 })
    if (state === 'invalid_number')
      return json(response, 400, { code: 21211, message: `The 'To' number ${form.To} is not valid.`, status: 400 })
    const sid = `${api === 'twilio-call' ? 'CA' : 'MM'}${hex(32)}`
    requests.push({ api, to: form.To ?? '', messageId: sid, callbackUrl: form.StatusCallback, body: form })
    return json(response, 201, { sid, status: 'queued', to: form.To, from: form.From, account_sid: TWILIO.accountSid })
  }

  /** https://developer.vonage.com/en/api/voice#createCall */
  async function vonageVoice(request: IncomingMessage, response: ServerResponse, body: string) {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    let claims: Record<string, unknown>
    try {
      if (!token) throw new Error('no token')
      // Time is judged at the token's own iat: the server under test runs on an injected clock.
      const { iat } = decodeJwt(token)
      const verified = await jwtVerify(token, await importSPKI(VONAGE_VOICE.publicKey, 'RS256'), {
        algorithms: ['RS256'],
        currentDate: new Date((iat ?? 0) * 1000),
        maxTokenAge: '15m',
      })
      claims = verified.payload as Record<string, unknown>
      if (claims.application_id !== VONAGE_VOICE.applicationId || typeof claims.jti !== 'string') {
        throw new Error('claims')
      }
    } catch {
      refusals.push('vonage-voice: jwt')
      return json(response, 401, {
        type: 'https://developer.nexmo.com/api-errors#unauthorized',
        title: 'Unauthorized',
        detail: 'You did not provide correct credentials.',
      })
    }
    const call = JSON.parse(body) as {
      to?: Array<{ type?: string; number?: string }>
      from?: { type?: string; number?: string }
      ncco?: unknown[]
      event_url?: string[]
    }
    const to = call.to?.[0]
    if (to?.type !== 'phone' || !to.number || call.from?.type !== 'phone' || !Array.isArray(call.ncco)) {
      refusals.push('vonage-voice: shape')
      return json(response, 400, { type: 'https://developer.nexmo.com/api-errors#bad-request', title: 'Bad Request' })
    }
    const state = behaviour['vonage-voice']
    if (state === 'hang') return void hanging.add(response)
    if (state === 'rate_limited') return json(response, 429, { title: 'Too Many Requests' })
    if (state === 'server_error') return json(response, 500, { title: 'Internal Server Error' })
    if (state === 'invalid_number')
      return json(response, 400, {
        type: 'https://developer.nexmo.com/api-errors#bad-request',
        title: 'Bad Request',
        invalid_parameters: [{ name: 'to', reason: 'Invalid number' }],
      })
    const uuid = randomUUID()
    requests.push({
      api: 'vonage-voice',
      to: to.number,
      messageId: uuid,
      callbackUrl: call.event_url?.[0],
      body: call as Record<string, unknown>,
      claims,
    })
    return json(response, 201, {
      uuid,
      status: 'started',
      direction: 'outbound',
      conversation_uuid: `CON-${randomUUID()}`,
    })
  }

  const server = createServer((request, response) => {
    readBody(request).then(
      async (body) => {
        const url = request.url ?? ''
        if (request.method !== 'POST') return json(response, 405, {})
        if (url.startsWith('/meta/')) return meta(request, response, body)
        if (url.startsWith('/twilio/')) return twilio(request, response, body)
        if (url === '/vonage/v1/calls') return vonageVoice(request, response, body)
        return json(response, 404, {})
      },
      () => json(response, 400, {}),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    refusals,
    behaviour,
    async close() {
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The fakes for a test file: started once; every behaviour reset to `ok` and the logs emptied before each test. */
export function useFakeVoiceAndChatProviders(hooks: {
  beforeAll: (fn: () => Promise<void>) => void
  afterAll: (fn: () => Promise<void>) => void
  beforeEach: (fn: () => void) => void
}): () => FakeVoiceAndChatProviders {
  let fake: FakeVoiceAndChatProviders | undefined
  hooks.beforeAll(async () => {
    fake = await startFakeVoiceAndChatProviders()
  })
  hooks.afterAll(async () => {
    await fake?.close()
  })
  hooks.beforeEach(() => {
    if (!fake) return
    for (const api of Object.keys(fake.behaviour) as FakeApi[]) fake.behaviour[api] = 'ok'
    fake.requests.length = 0
    fake.refusals.length = 0
  })
  return () => {
    if (!fake) throw new Error('the fake providers start in beforeAll')
    return fake
  }
}

/** A Meta entry of a WhatsApp chain at the fake. */
export function metaEntry(fakeUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'meta',
    phone_number_id: META.phoneNumberId,
    access_token: META.accessToken,
    app_secret: META.appSecret,
    verify_token: META.verifyToken,
    template_name: META.templateName,
    base_url: `${fakeUrl}/meta`,
    ...extra,
  }
}

/** A Twilio entry of a WhatsApp chain at the fake. */
export function twilioWhatsappEntry(fakeUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'twilio',
    account_sid: TWILIO.accountSid,
    auth_token: TWILIO.authToken,
    from: TWILIO_WHATSAPP.from,
    content_sid: TWILIO_WHATSAPP.contentSid,
    base_url: `${fakeUrl}/twilio`,
    ...extra,
  }
}

/** A Twilio entry of a call chain at the fake. */
export function twilioCallEntry(fakeUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'twilio',
    account_sid: TWILIO.accountSid,
    auth_token: TWILIO.authToken,
    from: TWILIO_CALL.from,
    base_url: `${fakeUrl}/twilio`,
    ...extra,
  }
}

/** A Vonage entry of a call chain at the fake. */
export function vonageVoiceEntry(fakeUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'vonage',
    application_id: VONAGE_VOICE.applicationId,
    private_key: VONAGE_VOICE.privateKey,
    signature_secret: VONAGE_VOICE.signatureSecret,
    from: VONAGE_VOICE.from,
    base_url: `${fakeUrl}/vonage`,
    ...extra,
  }
}

/** A WhatsApp Cloud API webhook with message statuses, signed as Meta signs it (X-Hub-Signature-256). */
export function metaReceipt(
  statuses: ReadonlyArray<{ id: string; status: string; errors?: Array<{ code: number; title: string }> }>,
  options: { appSecret?: string; phoneNumberId?: string; nowMs?: number } = {},
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: '15550783881',
                phone_number_id: options.phoneNumberId ?? META.phoneNumberId,
              },
              statuses: statuses.map((status) => ({
                ...status,
                timestamp: String(Math.floor((options.nowMs ?? Date.now()) / 1000)),
                recipient_id: '14155552671',
              })),
            },
            field: 'messages',
          },
        ],
      },
    ],
  })
  const signature = createHmac('sha256', options.appSecret ?? META.appSecret)
    .update(body)
    .digest('hex')
  return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` } }
}

/** A Twilio call status callback as Twilio sends it: form fields, signed over the callback URL. */
export function twilioCallCallback(
  callbackUrl: string,
  fields: { CallSid: string; CallStatus: string; ErrorCode?: string },
  authToken = TWILIO.authToken,
): { body: string; headers: Record<string, string> } {
  const params: Record<string, string> = {
    AccountSid: TWILIO.accountSid,
    ApiVersion: '2010-04-01',
    Direction: 'outbound-api',
    From: TWILIO_CALL.from,
    To: '+14155552671',
    CallDuration: '14',
    ...fields,
  }
  return {
    body: new URLSearchParams(params).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(authToken, callbackUrl, params),
    },
  }
}

/** A Vonage Voice event as Vonage sends it: JSON, with a signed-webhook JWT (HS256) carrying the body's SHA-256. */
export async function vonageVoiceEvent(
  fields: { uuid: string; status: string },
  nowMs: number,
  secret = VONAGE_VOICE.signatureSecret,
): Promise<{ body: string; headers: Record<string, string> }> {
  const body = JSON.stringify({
    from: VONAGE_VOICE.from.slice(1),
    to: '14155552671',
    conversation_uuid: `CON-${randomUUID()}`,
    direction: 'outbound',
    timestamp: new Date(nowMs).toISOString(),
    ...fields,
  })
  const jwt = await new SignJWT({
    api_key: 'abcd1234',
    application_id: VONAGE_VOICE.applicationId,
    payload_hash: createHash('sha256').update(body).digest('hex'),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setJti(randomUUID())
    .setIssuer('Vonage')
    .sign(new TextEncoder().encode(secret))
  return { body, headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` } }
}
