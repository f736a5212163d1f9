import { type Static, Type } from '@sinclair/typebox'
import nodemailer from 'nodemailer'
import { DeliveryError, defineDeliveryProvider } from '../delivery-provider.js'
import type { MessageFrom } from '../message-options.js'

const SmtpOptionsSchema = Type.Object(
  {
    url: Type.String({
      pattern: '^smtps?://',
      secret: true,
      description: '`smtp://user:pass@host:587` or `smtps://…:465` (holds the password: stored encrypted).',
    }),
    from: Type.String({ minLength: 3, description: 'From address, e.g. `Acme <no-reply@acme.example>`.' }),
  },
  { additionalProperties: false },
)

/** Connection, greeting and socket timeouts: the chain's timeout_ms bounds the whole send besides. */
const SOCKET_TIMEOUT_MS = 10_000

/**
 * Host, port, TLS and credentials from an smtp:// or smtps:// URL. (nodemailer
 * would parse the URL itself, but then ignores every other option we pass.)
 */
export function smtpConnectionOptions(url: string): {
  host: string
  port: number
  secure: boolean
  auth?: { user: string; pass: string }
  tls?: { rejectUnauthorized: boolean }
} {
  const parsed = new URL(url)
  const secure = parsed.protocol === 'smtps:'
  const port = parsed.port ? Number(parsed.port) : secure ? 465 : 587
  const auth = parsed.username
    ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) }
    : undefined
  // ?tls_reject_unauthorized=false for a relay with a self-signed certificate, as nodemailer's URLs allow.
  const rejectUnauthorized = parsed.searchParams.get('tls_reject_unauthorized') !== 'false'
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    secure,
    ...(auth ? { auth } : {}),
    ...(rejectUnauthorized ? {} : { tls: { rejectUnauthorized: false } }),
  }
}

/** The send, or a timeout error when the chain's deadline passes first (the server may still deliver it). */
function abortable<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted)
    return Promise.reject(new DeliveryError('SMTP server did not answer in time', { code: 'timeout' }))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeliveryError('SMTP server did not answer in time', { code: 'timeout' }))
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** The address of a configured `from` (`Acme <no-reply@acme.example>` or a bare address). */
function configuredAddress(configured: string): string {
  return /<([^>]+)>\s*$/.exec(configured)?.[1]?.trim() ?? configured.trim()
}

/**
 * The From of one message: the configured `from`, with the message's own address and name (a caller's
 * choice, e.g. the Twilio face's ChannelConfiguration) in place of the configured ones. nodemailer encodes
 * the name into the header, so it cannot add headers of its own.
 */
export function fromHeader(
  configured: string,
  sender: MessageFrom | undefined,
): string | { name: string; address: string } {
  if (sender?.address === undefined && sender?.name === undefined) return configured
  const configuredName = /^\s*"?([^"<]*?)"?\s*</.exec(configured)?.[1]?.trim() ?? ''
  const address = sender.address ?? configuredAddress(configured)
  const name = sender.name ?? configuredName
  return name === '' ? address : { name, address }
}

/** Email over SMTP with nodemailer: one pooled transport per configuration. */
export const smtpProvider = defineDeliveryProvider<Static<typeof SmtpOptionsSchema>>({
  name: 'smtp',
  channels: ['email'],
  optionsSchema: SmtpOptionsSchema,
  create(options) {
    // built once, not per request: a spread here costs nothing (docs/decisions.md)
    const transport = nodemailer.createTransport({
      ...smtpConnectionOptions(options.url),
      pool: true,
      maxConnections: 5,
      connectionTimeout: SOCKET_TIMEOUT_MS,
      greetingTimeout: SOCKET_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
    })
    return {
      async send(message, sendOptions) {
        try {
          const info = await abortable(
            sendOptions.signal,
            transport.sendMail({
              from: fromHeader(options.from, message.sender),
              // The envelope sender stays the configured address whatever the From says: bounces come back to
              // the operator's mailbox, and SPF is checked against the operator's domain.
              ...(message.sender?.address === undefined
                ? {}
                : { envelope: { from: configuredAddress(options.from), to: message.to } }),
              to: message.to,
              subject: message.subject,
              text: message.text,
              html: message.html,
              headers: { 'X-Tessera-Verification-Id': message.verificationId },
            }),
          )
          return { provider: 'smtp', providerMessageId: info.messageId, status: 'sent' }
        } catch (error) {
          // A 5xx reply to RCPT means the mailbox is refused: retrying will not help.
          if (error instanceof DeliveryError) throw error
          const { responseCode, command } = error as { responseCode?: number; command?: string }
          // Only a 5xx to RCPT TO says the mailbox cannot receive; a 5xx elsewhere (535 authentication,
          // a relay or policy refusal) is this server's problem, and another provider may do better.
          const kind =
            typeof responseCode !== 'number' || responseCode < 500
              ? 'unavailable'
              : command === 'RCPT TO'
                ? 'invalid_recipient'
                : 'rejected'
          throw new DeliveryError('SMTP send failed', {
            kind,
            code: typeof responseCode === 'number' ? String(responseCode) : 'network',
            cause: error,
          })
        }
      },
      async close() {
        transport.close()
      },
    }
  },
})
