import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** One message as a mail client would show it (mailparser is not installed: a minimal MIME reader below). */
export interface ReceivedMail {
  readonly envelopeFrom: string
  /** RCPT TO addresses as the client sent them. */
  readonly envelopeTo: readonly string[]
  /** Header names lower-cased; repeated headers keep the last value. */
  readonly headers: Readonly<Record<string, string>>
  readonly subject: string
  readonly text: string | undefined
  readonly html: string | undefined
  readonly raw: string
}

export interface SmtpReceiver {
  readonly port: number
  /** `smtp://127.0.0.1:PORT` */
  readonly url: string
  readonly messages: readonly ReceivedMail[]
  /** The next message (not yet taken) whose envelope names `to` (case-insensitive); waits up to `timeoutMs`. */
  nextMessage(to: string, timeoutMs?: number): Promise<ReceivedMail>
  close(): Promise<void>
}

/** A real SMTP peer on 127.0.0.1, no TLS, no authentication required. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = []
  const taken = new Set<ReceivedMail>()
  const waiters: { to: string; resolve: (mail: ReceivedMail) => void }[] = []

  const deliver = (mail: ReceivedMail) => {
    messages.push(mail)
    const waiter = waiters.find((w) => mail.envelopeTo.some((rcpt) => rcpt.toLowerCase() === w.to))
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1)
      taken.add(mail)
      waiter.resolve(mail)
    }
  }

  const server = new SMTPServer({
    authOptional: true,
    // The default STARTTLS uses a self-signed certificate that nodemailer would (rightly) refuse.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    banner: 'tessera e2e receiver',
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const mailFrom = session.envelope.mailFrom
        deliver({
          ...parseMessage(raw),
          envelopeFrom: mailFrom === false ? '' : mailFrom.address,
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          raw,
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  // smtp-server wraps a net.Server; its address is the port we got.
  const port = (server.server.address() as AddressInfo).port

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    nextMessage(to, timeoutMs = 10_000) {
      const wanted = to.toLowerCase()
      const ready = messages.find((m) => !taken.has(m) && m.envelopeTo.some((rcpt) => rcpt.toLowerCase() === wanted))
      if (ready) {
        taken.add(ready)
        return Promise.resolve(ready)
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          to: wanted,
          resolve: (mail: ReceivedMail) => {
            clearTimeout(timer)
            resolve(mail)
          },
        }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1)
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms (got ${messages.length} other messages)`))
        }, timeoutMs)
        waiters.push(waiter)
      })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

// ---- minimal MIME (RFC 5322 / 2045 / 2047) ----

interface Part {
  readonly headers: Record<string, string>
  readonly body: string
}

function splitHeaders(raw: string): Part {
  const normalized = raw.replace(/\r\n/g, '\n')
  const end = normalized.indexOf('\n\n')
  const head = end === -1 ? normalized : normalized.slice(0, end)
  const body = end === -1 ? '' : normalized.slice(end + 2)
  const headers: Record<string, string> = {}
  // Unfold continuation lines, then split name: value.
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { headers, body }
}

function charsetDecode(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes)
  } catch {
    return bytes.toString('utf8')
  }
}

function decodeQuotedPrintable(text: string): Buffer {
  const unwrapped = text.replace(/=\n/g, '')
  const bytes: number[] = []
  for (let i = 0; i < unwrapped.length; i++) {
    const ch = unwrapped[i]
    const hex = unwrapped.slice(i + 1, i + 3)
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(...Buffer.from(ch ?? '', 'utf8'))
    }
  }
  return Buffer.from(bytes)
}

/** RFC 2047 encoded words (`=?utf-8?Q?...?=` / `?B?`). */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : decodeQuotedPrintable(text.replace(/_/g, ' ').replace(/=\n/g, ''))
      return charsetDecode(bytes, charset)
    })
}

function param(header: string | undefined, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}="?([^";]+)"?`, 'i').exec(header ?? '')
  return match?.[1]
}

function decodeBody(part: Part): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase()
  const charset = param(part.headers['content-type'], 'charset')
  if (encoding === 'base64') return charsetDecode(Buffer.from(part.body.replace(/\s+/g, ''), 'base64'), charset)
  if (encoding === 'quoted-printable') return charsetDecode(decodeQuotedPrintable(part.body), charset)
  return part.body
}

function leaves(part: Part): Part[] {
  const type = part.headers['content-type'] ?? 'text/plain'
  if (!/^multipart\//i.test(type)) return [part]
  const boundary = param(type, 'boundary')
  if (!boundary) return []
  const sections = part.body.split(`--${boundary}`)
  // Drop the preamble and everything after the closing `--boundary--`.
  const inner = sections.slice(1).filter((section) => !section.startsWith('--'))
  return inner.flatMap((section) => leaves(splitHeaders(section.replace(/^\n/, ''))))
}

export function parseMessage(raw: string): Omit<ReceivedMail, 'envelopeFrom' | 'envelopeTo' | 'raw'> {
  const root = splitHeaders(raw)
  const parts = leaves(root)
  const ofType = (type: string) => {
    const part = parts.find((p) => (p.headers['content-type'] ?? 'text/plain').toLowerCase().startsWith(type))
    return part ? decodeBody(part).replace(/\n$/, '') : undefined
  }
  return {
    headers: root.headers,
    subject: decodeEncodedWords(root.headers.subject ?? ''),
    text: ofType('text/plain'),
    html: ofType('text/html'),
  }
}
