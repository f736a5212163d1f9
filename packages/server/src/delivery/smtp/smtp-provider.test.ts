import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { providerDeps, sendOptions } from '../../../test/helpers/send-options.js'
import { DeliveryError, type MessageSender, type OutboundMessage } from '../delivery-provider.js'
import { smtpConnectionOptions, smtpProvider } from './smtp-provider.js'

const USER = 'mailer@example.com'
const PASSWORD = 'p@ss:w/rd 42'

interface ReceivedMail {
  readonly user: string | undefined
  readonly mailFrom: string | false
  readonly rcptTo: readonly string[]
  readonly raw: string
}

interface MimePart {
  readonly headers: Map<string, string>
  readonly body: string
}

/** Header block → lower-cased names with unfolded values. */
function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>()
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return headers
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    case 'quoted-printable': {
      const bytes = body
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
      return Buffer.from(bytes, 'latin1').toString('utf8')
    }
    default:
      return body
  }
}

function splitMessage(raw: string): MimePart {
  const end = raw.indexOf('\r\n\r\n')
  return { headers: parseHeaders(raw.slice(0, end)), body: raw.slice(end + 4) }
}

/** The decoded leaf parts of a (possibly nested) multipart message, by content type. */
function leafParts(part: MimePart): Map<string, string> {
  const contentType = part.headers.get('content-type') ?? 'text/plain'
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (!contentType.toLowerCase().startsWith('multipart/') || !boundary) {
    const type = contentType.split(';')[0]?.trim().toLowerCase() ?? 'text/plain'
    return new Map([[type, decodeBody(part.body, part.headers.get('content-transfer-encoding'))]])
  }
  const leaves = new Map<string, string>()
  // The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1).
  const sections = part.body.split(`--${boundary}`).slice(1)
  for (const section of sections) {
    if (section.startsWith('--')) break
    for (const [type, text] of leafParts(splitMessage(section.replace(/^\r\n/, '').replace(/\r\n$/, ''))))
      leaves.set(type, text)
  }
  return leaves
}

let server: SMTPServer
let port: number
let mails: ReceivedMail[]
let senders: MessageSender[]

beforeEach(async () => {
  mails = []
  senders = []
  server = new SMTPServer({
    authOptional: false,
    // Plain-text AUTH on loopback: the test peer has no certificate to offer.
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: auth.username })
      return callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        mails.push({
          user: session.user,
          mailFrom: session.envelope.mailFrom === false ? false : session.envelope.mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.server.address() as AddressInfo).port
})

afterEach(async () => {
  for (const sender of senders) await sender.close?.()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function sender(password = PASSWORD): MessageSender {
  const url = `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(password)}@127.0.0.1:${port}`
  const created = smtpProvider.create({ url, from: 'Acme <no-reply@acme.example>' }, providerDeps())
  senders.push(created)
  return created
}

const message: OutboundMessage = {
  channel: 'email',
  to: 'ada@example.com',
  subject: 'Your Acme verification code',
  text: 'Your Acme verification code is:\n\n    482913\n\nIt expires in 10 minutes. If you did not ask for it, you can ignore this email; nobody can use the code without access to your mailbox.',
  html: '<p style="margin:0 0 16px">Your <strong>Acme &amp; Co</strong> verification code is:</p><p>482913</p>',
  verificationId: 'ver_0123456789abcdefghjkmnpqrs',
  locale: 'en',
  values: { code: '482913', app_name: 'Acme', minutes: '10' },
}

describe('smtpProvider', () => {
  it('delivers the message with From, To, Subject, both parts and the verification id header', async () => {
    const receipt = await sender().send(message, sendOptions())
    expect(mails).toHaveLength(1)
    const mail = mails[0]
    if (!mail) throw new Error('no mail received')
    expect(mail.user).toBe(USER)
    expect(mail.mailFrom).toBe('no-reply@acme.example')
    expect(mail.rcptTo).toEqual(['ada@example.com'])

    const parsed = splitMessage(mail.raw)
    expect(parsed.headers.get('from')).toBe('Acme <no-reply@acme.example>')
    expect(parsed.headers.get('to')).toBe('ada@example.com')
    expect(parsed.headers.get('subject')).toBe('Your Acme verification code')
    expect(parsed.headers.get('x-tessera-verification-id')).toBe('ver_0123456789abcdefghjkmnpqrs')
    expect(parsed.headers.get('content-type')).toMatch(/^multipart\/alternative/)

    const parts = leafParts(parsed)
    expect(parts.get('text/plain')?.replace(/\r\n/g, '\n')).toBe(message.text)
    expect(parts.get('text/html')).toBe(message.html)

    expect(receipt.provider).toBe('smtp')
    expect(receipt.providerMessageId).toBe(parsed.headers.get('message-id'))
  })

  it('delivers several messages over the pooled transport', async () => {
    const send = sender()
    await Promise.all([
      send.send(message, sendOptions()),
      send.send({ ...message, to: 'grace@example.com', verificationId: 'ver_second' }, sendOptions()),
    ])
    expect(mails.map((mail) => mail.rcptTo[0]).sort()).toEqual(['ada@example.com', 'grace@example.com'])
  })

  it('throws a DeliveryError when the password is wrong, and delivers nothing', async () => {
    const error = await sender('wrong-password')
      .send(message, sendOptions())
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect(mails).toHaveLength(0)
  })

  it('throws a DeliveryError when the recipient is refused with a 5xx, marked not retryable', async () => {
    const refusing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        const error = Object.assign(new Error('No such mailbox'), { responseCode: 550 })
        callback(error)
      },
    })
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
    try {
      const refusingPort = (refusing.server.address() as AddressInfo).port
      const send = smtpProvider.create(
        { url: `smtp://127.0.0.1:${refusingPort}`, from: 'no-reply@acme.example' },
        providerDeps(),
      )
      senders.push(send)
      const error = await send.send(message, sendOptions()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DeliveryError)
      expect((error as DeliveryError).retryable).toBe(false)
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()))
    }
  })
})

describe('smtpConnectionOptions', () => {
  it('defaults smtps:// to port 465 with implicit TLS', () => {
    expect(smtpConnectionOptions('smtps://mail.example.com')).toEqual({
      host: 'mail.example.com',
      port: 465,
      secure: true,
    })
  })

  it('defaults smtp:// to port 587 without implicit TLS', () => {
    expect(smtpConnectionOptions('smtp://mail.example.com')).toEqual({
      host: 'mail.example.com',
      port: 587,
      secure: false,
    })
  })

  it('uses an explicit port', () => {
    expect(smtpConnectionOptions('smtp://mail.example.com:2525').port).toBe(2525)
    expect(smtpConnectionOptions('smtps://mail.example.com:4650').port).toBe(4650)
  })

  it('percent-decodes the user name and password', () => {
    expect(smtpConnectionOptions('smtp://us%40er%2B1:p%3Ass%2Fw%20rd%25@mail.example.com').auth).toEqual({
      user: 'us@er+1',
      pass: 'p:ss/w rd%',
    })
  })

  it('has no auth without a user name', () => {
    expect(smtpConnectionOptions('smtp://mail.example.com')).not.toHaveProperty('auth')
  })

  it('strips the brackets of an IPv6 host', () => {
    expect(smtpConnectionOptions('smtp://[::1]:2525').host).toBe('::1')
  })

  it('turns off certificate checks only when asked', () => {
    expect(smtpConnectionOptions('smtps://relay.internal?tls_reject_unauthorized=false').tls).toEqual({
      rejectUnauthorized: false,
    })
    expect(smtpConnectionOptions('smtps://relay.internal?tls_reject_unauthorized=true')).not.toHaveProperty('tls')
  })
})
