import { type Static, Type } from '@sinclair/typebox'
import nodemailer from 'nodemailer'
import { DeliveryError, defineDeliveryProvider } from '../delivery-provider.js'

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

/** Email over SMTP with nodemailer: one pooled transport per configuration. */
export const smtpProvider = defineDeliveryProvider<Static<typeof SmtpOptionsSchema>>({
  name: 'smtp',
  channels: ['email'],
  optionsSchema: SmtpOptionsSchema,
  create(options) {
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
              from: options.from,
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
          const responseCode = (error as { responseCode?: number }).responseCode
          const refused = typeof responseCode === 'number' && responseCode >= 500
          throw new DeliveryError('SMTP send failed', {
            kind: refused ? 'invalid_recipient' : 'unavailable',
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
