import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { aliyunSignature } from '../../src/delivery/aliyun/aliyun-signature.js'
import { tc3Authorization } from '../../src/delivery/tencent/tencent-signature.js'
import { twilioSignature } from '../../src/delivery/twilio/twilio-signature.js'
import { vonageSignature } from '../../src/delivery/vonage/vonage-signature.js'

/**
 * Local stand-ins for Twilio, Vonage, Alibaba Cloud and Tencent Cloud SMS on
 * loopback. Each checks a request the way its provider documents (Twilio's
 * basic auth and form fields; Vonage's key and secret; Aliyun's RPC
 * signature and Tencent's TC3 signature, recomputed here) and answers in the
 * provider's documented success and error shapes. Behaviour is steered per
 * provider: `ok`, `rate_limited`, `invalid_number`, `server_error`, `hang`.
 */
export type FakeBehaviour = 'ok' | 'rate_limited' | 'invalid_number' | 'server_error' | 'hang'

export interface FakeMessage {
  readonly provider: 'twilio' | 'vonage' | 'aliyun' | 'tencent'
  readonly to: string
  /** The text (free-text providers) or the template parameters (template providers). */
  readonly text: string
  readonly messageId: string
  readonly callbackUrl?: string | undefined
  readonly fields: Record<string, unknown>
}

export const TWILIO = { accountSid: `AC${'a'.repeat(32)}`, authToken: 'twilio-auth-token-1234' }
export const VONAGE = { apiKey: 'vonage-key', apiSecret: 'vonage-secret', signatureSecret: 'vonage-signature-secret' }
export const ALIYUN = { accessKeyId: 'testId', accessKeySecret: 'testSecret' }
export const TENCENT = { secretId: 'AKIDtest', secretKey: 'tencent-secret-key' }

export interface FakeSmsProviders {
  readonly url: string
  readonly messages: FakeMessage[]
  /** Requests refused for bad credentials or signatures (should stay empty). */
  readonly refusals: string[]
  behaviour: Record<FakeMessage['provider'], FakeBehaviour>
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

let counter = 0
const nextId = (prefix: string) => `${prefix}${String(++counter).padStart(8, '0')}`

export async function startFakeSmsProviders(): Promise<FakeSmsProviders> {
  const messages: FakeMessage[] = []
  const refusals: string[] = []
  const state: FakeSmsProviders['behaviour'] = { twilio: 'ok', vonage: 'ok', aliyun: 'ok', tencent: 'ok' }
  const hanging = new Set<ServerResponse>()

  async function twilio(request: IncomingMessage, response: ServerResponse, body: string) {
    const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(request.url ?? '')
    const expected = `Basic ${Buffer.from(`${TWILIO.accountSid}:${TWILIO.authToken}`).toString('base64')}`
    if (!match || match[1] !== TWILIO.accountSid || request.headers.authorization !== expected) {
      refusals.push('twilio: credentials')
      return json(response, 401, {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      })
    }
    const form = Object.fromEntries(new URLSearchParams(body))
    if (!form.To || !form.Body || !(form.From || form.MessagingServiceSid)) {
      return json(response, 400, { code: 21604, message: "A 'To' phone number is required.", status: 400 })
    }
    const behaviour = state.twilio
    if (behaviour === 'hang') return void hanging.add(response)
    if (behaviour === 'rate_limited')
      return json(response, 429, { code: 20429, message: 'Too Many Requests', status: 429 })
    if (behaviour === 'server_error')
      return json(response, 503, { code: 20503, message: 'Service unavailable', status: 503 })
    if (behaviour === 'invalid_number') {
      return json(response, 400, {
        code: 21211,
        message: `The 'To' number ${form.To} is not a valid phone number.`,
        status: 400,
      })
    }
    const sid = `SM${createHash('md5').update(nextId('tw')).digest('hex')}`
    messages.push({
      provider: 'twilio',
      to: form.To,
      text: form.Body,
      messageId: sid,
      callbackUrl: form.StatusCallback,
      fields: form,
    })
    return json(response, 201, {
      sid,
      status: 'queued',
      to: form.To,
      body: form.Body,
      error_code: null,
      error_message: null,
    })
  }

  function vonage(request: IncomingMessage, response: ServerResponse, body: string) {
    // Vonage takes form fields or a JSON object.
    const fields: Record<string, string> = String(request.headers['content-type']).startsWith('application/json')
      ? (JSON.parse(body) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(body))
    if (fields.api_key !== VONAGE.apiKey || fields.api_secret !== VONAGE.apiSecret) {
      refusals.push('vonage: credentials')
      return json(response, 200, { 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad Credentials' }] })
    }
    const behaviour = state.vonage
    if (behaviour === 'hang') return void hanging.add(response)
    if (behaviour === 'server_error') return json(response, 500, {})
    const refusal = { rate_limited: ['1', 'Throughput Rate Exceeded'], invalid_number: ['3', 'Invalid to address'] }[
      behaviour as 'rate_limited' | 'invalid_number'
    ]
    if (refusal)
      return json(response, 200, { 'message-count': '1', messages: [{ status: refusal[0], 'error-text': refusal[1] }] })
    const messageId = nextId('vonage-')
    messages.push({
      provider: 'vonage',
      to: fields.to ?? '',
      text: fields.text ?? '',
      messageId,
      callbackUrl: fields.callback,
      fields,
    })
    return json(response, 200, {
      'message-count': '1',
      messages: [
        {
          to: fields.to,
          'message-id': messageId,
          status: '0',
          'remaining-balance': '3.14',
          'message-price': '0.0333',
          network: '23410',
        },
      ],
    })
  }

  function aliyun(response: ServerResponse, body: string) {
    const params = Object.fromEntries(new URLSearchParams(body))
    const { Signature: signature, ...signed } = params
    if (
      signed.AccessKeyId !== ALIYUN.accessKeyId ||
      signature !== aliyunSignature('POST', signed, ALIYUN.accessKeySecret)
    ) {
      refusals.push('aliyun: signature')
      return json(response, 400, {
        Code: 'SignatureDoesNotMatch',
        Message: 'Specified signature is not matched with our calculation.',
        RequestId: nextId('req'),
      })
    }
    const behaviour = state.aliyun
    if (behaviour === 'hang') return void hanging.add(response)
    if (behaviour === 'server_error')
      return json(response, 500, { Code: 'isp.SYSTEM_ERROR', Message: 'system error', RequestId: nextId('req') })
    if (behaviour === 'rate_limited')
      return json(response, 200, {
        Code: 'isv.BUSINESS_LIMIT_CONTROL',
        Message: '触发号码天级流控Permits:10',
        RequestId: nextId('req'),
      })
    if (behaviour === 'invalid_number')
      return json(response, 200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号', RequestId: nextId('req') })
    const bizId = nextId('biz')
    messages.push({
      provider: 'aliyun',
      to: signed.PhoneNumbers ?? '',
      text: signed.TemplateParam ?? '',
      messageId: bizId,
      fields: signed,
    })
    return json(response, 200, { Code: 'OK', Message: 'OK', BizId: bizId, RequestId: nextId('req') })
  }

  function tencent(request: IncomingMessage, response: ServerResponse, body: string, host: string) {
    const timestamp = Number(request.headers['x-tc-timestamp'])
    const expected = tc3Authorization({
      secretId: TENCENT.secretId,
      secretKey: TENCENT.secretKey,
      service: 'sms',
      host,
      contentType: String(request.headers['content-type']),
      payload: body,
      timestampSeconds: timestamp,
    }).authorization
    const requestId = nextId('tc-')
    if (request.headers.authorization !== expected || request.headers['x-tc-action'] !== 'SendSms') {
      refusals.push('tencent: signature')
      return json(response, 200, {
        Response: {
          Error: { Code: 'AuthFailure.SignatureFailure', Message: 'The provided credentials could not be validated.' },
          RequestId: requestId,
        },
      })
    }
    const fields = JSON.parse(body) as { PhoneNumberSet: string[]; TemplateParamSet: string[] }
    const behaviour = state.tencent
    if (behaviour === 'hang') return void hanging.add(response)
    if (behaviour === 'server_error')
      return json(response, 200, {
        Response: { Error: { Code: 'InternalError.Timeout', Message: 'timeout' }, RequestId: requestId },
      })
    const phone = fields.PhoneNumberSet[0] ?? ''
    const code = {
      ok: 'Ok',
      rate_limited: 'LimitExceeded.PhoneNumberThirtySecondLimit',
      invalid_number: 'InvalidParameterValue.IncorrectPhoneNumber',
    }[behaviour as 'ok' | 'rate_limited' | 'invalid_number']
    const serialNo = nextId('2433:')
    if (code === 'Ok')
      messages.push({
        provider: 'tencent',
        to: phone,
        text: JSON.stringify(fields.TemplateParamSet),
        messageId: serialNo,
        fields,
      })
    return json(response, 200, {
      Response: {
        SendStatusSet: [
          {
            SerialNo: code === 'Ok' ? serialNo : '',
            PhoneNumber: phone,
            Fee: code === 'Ok' ? 1 : 0,
            SessionContext: '',
            Code: code,
            Message: code === 'Ok' ? 'send success' : 'refused',
            IsoCode: 'CN',
          },
        ],
        RequestId: requestId,
      },
    })
  }

  const server: Server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        const path = request.url ?? ''
        if (path.startsWith('/twilio/')) {
          request.url = path.slice('/twilio'.length)
          return twilio(request, response, body)
        }
        if (path === '/vonage/sms/json') return vonage(request, response, body)
        if (path === '/aliyun/') return aliyun(response, body)
        if (path === '/tencent/') return tencent(request, response, body, String(request.headers.host))
        return json(response, 404, {})
      })
      .catch(() => json(response, 500, {}))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    messages,
    refusals,
    behaviour: state,
    async close() {
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A Twilio status callback as Twilio sends it: form fields, signed over the callback URL. */
export function twilioCallback(
  callbackUrl: string,
  fields: { MessageSid: string; MessageStatus: string; ErrorCode?: string },
  authToken = TWILIO.authToken,
): { body: string; headers: Record<string, string> } {
  const params: Record<string, string> = {
    AccountSid: TWILIO.accountSid,
    ApiVersion: '2010-04-01',
    From: '+15005550006',
    To: '+14155552671',
    SmsSid: fields.MessageSid,
    SmsStatus: fields.MessageStatus,
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

/** A Vonage SMS API delivery receipt, signed as Vonage signs them (md5hash by default). */
export function vonageReceipt(
  fields: { messageId: string; status: string; 'err-code'?: string },
  nowMs: number,
  secret = VONAGE.signatureSecret,
): Record<string, string> {
  const params: Record<string, string> = {
    msisdn: '447700900000',
    to: 'Acme',
    'network-code': '23410',
    price: '0.03330000',
    scts: '2601011200',
    'err-code': '0',
    'api-key': VONAGE.apiKey,
    'message-timestamp': '2026-01-01 12:00:00',
    timestamp: String(Math.floor(nowMs / 1000)),
    nonce: 'a1b2c3d4',
    ...fields,
  }
  return { ...params, sig: vonageSignature(params, secret, 'md5hash') }
}

/** The fake providers for a test file: started once, every behaviour reset to `ok` and the log emptied before each test. */
export function useFakeSmsProviders(hooks: {
  beforeAll: (fn: () => Promise<void>) => void
  afterAll: (fn: () => Promise<void>) => void
  beforeEach: (fn: () => void) => void
}): () => FakeSmsProviders {
  let fake: FakeSmsProviders | undefined
  hooks.beforeAll(async () => {
    fake = await startFakeSmsProviders()
  })
  hooks.afterAll(async () => {
    await fake?.close()
  })
  hooks.beforeEach(() => {
    if (!fake) return
    for (const provider of ['twilio', 'vonage', 'aliyun', 'tencent'] as const) fake.behaviour[provider] = 'ok'
    fake.messages.length = 0
    fake.refusals.length = 0
  })
  return () => {
    if (!fake) throw new Error('the fake providers start in beforeAll')
    return fake
  }
}

/** The documented set-up: Twilio (short timeout), then Vonage with its signature secret, both at the fakes. */
export function twilioThenVonage(fakeUrl: string, twilioTimeoutMs: number): Record<string, unknown>[] {
  return [
    {
      type: 'twilio',
      account_sid: TWILIO.accountSid,
      auth_token: TWILIO.authToken,
      from: '+15005550006',
      base_url: `${fakeUrl}/twilio`,
      timeout_ms: twilioTimeoutMs,
    },
    {
      type: 'vonage',
      api_key: VONAGE.apiKey,
      api_secret: VONAGE.apiSecret,
      signature_secret: VONAGE.signatureSecret,
      from: 'Acme',
      base_url: `${fakeUrl}/vonage`,
    },
  ]
}
