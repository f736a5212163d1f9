import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { providerDeps, sendOptions } from '../../../test/helpers/send-options.js'
import { DeliveryError, type MessageSender, type OutboundMessage } from '../delivery-provider.js'
import { signWebhook, webhookProvider, webhookSecretBytes } from './webhook-provider.js'

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks test vector', () => {
    const secret = webhookSecretBytes('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
    const signature = signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
  })

  it('changes when the id, timestamp, body or secret changes', () => {
    const secret = webhookSecretBytes('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
    const reference = signWebhook(secret, 'msg_1', 1614265330, '{}')
    expect(signWebhook(secret, 'msg_2', 1614265330, '{}')).not.toBe(reference)
    expect(signWebhook(secret, 'msg_1', 1614265331, '{}')).not.toBe(reference)
    expect(signWebhook(secret, 'msg_1', 1614265330, '{ }')).not.toBe(reference)
    expect(signWebhook(webhookSecretBytes('another-secret-of-16+'), 'msg_1', 1614265330, '{}')).not.toBe(reference)
  })
})

describe('webhookSecretBytes', () => {
  it('base64-decodes a whsec_ secret and uses any other string as UTF-8 bytes', () => {
    expect(webhookSecretBytes('whsec_AAECAw==')).toEqual(Buffer.from([0, 1, 2, 3]))
    expect(webhookSecretBytes('plain-secret-0123')).toEqual(Buffer.from('plain-secret-0123', 'utf8'))
  })
})

interface Received {
  readonly method: string | undefined
  readonly url: string | undefined
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

type Responder = (res: ServerResponse) => void

let server: Server
let url: string
let received: Received[]
let respond: Responder

beforeEach(async () => {
  received = []
  respond = (res) => {
    res.writeHead(204).end()
  }
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() })
      respond(res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/sms`
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const NOW_MS = Date.parse('2026-01-01T00:00:00.750Z')

function sender(options: { secret?: string; url?: string } = {}): MessageSender {
  return webhookProvider.create(
    {
      url: options.url ?? url,
      secret: options.secret ?? SECRET,
      nowMs: () => NOW_MS,
    },
    providerDeps(),
  )
}

const smsMessage: OutboundMessage = {
  channel: 'sms',
  to: '+442079460958',
  subject: 'Your Acme verification code',
  text: 'Your Acme verification code is 482913. It expires in 10 minutes.',
  html: '',
  verificationId: 'ver_0123456789abcdefghjkmnpqrs',
  locale: 'en',
  values: { code: '482913', app_name: 'Acme', minutes: '10' },
}

const emailMessage: OutboundMessage = {
  channel: 'email',
  to: 'ada@example.com',
  subject: 'Your Acme verification code',
  text: 'Your Acme verification code is:\n\n    482913',
  html: '<p>Your <strong>Acme</strong> verification code is 482913</p>',
  verificationId: 'ver_abcdefghjkmnpqrs0123456789',
  locale: 'en',
  values: { code: '482913', app_name: 'Acme', minutes: '10' },
}

describe('webhookProvider', () => {
  it('POSTs JSON with Standard Webhooks headers and a signature that verifies', async () => {
    const receipt = await sender().send(smsMessage, sendOptions())
    expect(received).toHaveLength(1)
    const request = received[0]
    if (!request) throw new Error('no request received')
    expect(request.method).toBe('POST')
    expect(request.url).toBe('/hooks/sms')
    expect(request.headers['content-type']).toBe('application/json')
    const id = request.headers['webhook-id']
    const timestamp = request.headers['webhook-timestamp']
    const signature = request.headers['webhook-signature']
    expect(id).toMatch(/^msg_[0-9a-f-]{36}$/)
    expect(timestamp).toBe(String(Math.floor(NOW_MS / 1000)))
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
    // The receiver's check: recompute over the raw body it got.
    expect(signature).toBe(signWebhook(webhookSecretBytes(SECRET), String(id), Number(timestamp), request.body))
    expect(receipt).toEqual({ provider: 'webhook', status: 'sent', providerMessageId: id })
  })

  it('signs with a plain (non-whsec) secret as raw bytes', async () => {
    await sender({ secret: 'plain-secret-0123456789' }).send(smsMessage, sendOptions())
    const request = received[0]
    if (!request) throw new Error('no request received')
    const expected = signWebhook(
      Buffer.from('plain-secret-0123456789'),
      String(request.headers['webhook-id']),
      Number(request.headers['webhook-timestamp']),
      request.body,
    )
    expect(request.headers['webhook-signature']).toBe(expected)
  })

  it('sends the SMS fields in the JSON body, without email-only fields', async () => {
    await sender().send(smsMessage, sendOptions())
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      to: '+442079460958',
      body: smsMessage.text,
      verification_id: smsMessage.verificationId,
      channel: 'sms',
    })
  })

  it('adds the subject and HTML for email', async () => {
    await sender().send(emailMessage, sendOptions())
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      to: 'ada@example.com',
      body: emailMessage.text,
      verification_id: emailMessage.verificationId,
      channel: 'email',
      subject: emailMessage.subject,
      html: emailMessage.html,
    })
  })

  it('uses a new webhook-id for every message', async () => {
    const send = sender()
    await send.send(smsMessage, sendOptions())
    await send.send(smsMessage, sendOptions())
    expect(received[0]?.headers['webhook-id']).not.toBe(received[1]?.headers['webhook-id'])
  })

  it.each([400, 404, 500, 503])('throws a DeliveryError when the endpoint answers HTTP %i', async (status) => {
    respond = (res) => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end('nope')
    }
    const error = await sender()
      .send(smsMessage, sendOptions())
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect((error as DeliveryError).message).toContain(String(status))
  })

  it('throws a timeout DeliveryError when the endpoint does not answer before the chain’s deadline', async () => {
    respond = () => {
      // Never answers; afterEach closes the connection.
    }
    const error = await sender()
      .send(smsMessage, sendOptions(200))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect(received).toHaveLength(1)
  })

  it('throws a DeliveryError when nothing listens at the URL', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    await expect(sender({ url: `http://127.0.0.1:${port}/` }).send(smsMessage, sendOptions())).rejects.toBeInstanceOf(
      DeliveryError,
    )
  })
})
