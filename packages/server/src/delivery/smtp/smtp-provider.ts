import { type Static, Type } from '@sinclair/typebox'
import nodemailer from 'nodemailer'
import { DeliveryError, defineDeliveryProvider } from '../delivery-provider.js'

const SmtpOptionsSchema = Type.Object({
  /** `smtp://user:pass@host:587` or `smtps://…:465`. */
  url: Type.String({ minLength: 1 }),
  from: Type.String({ minLength: 3 }),
  timeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
})

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

/** Email over SMTP with nodemailer: one pooled transport per process. */
export const smtpProvider = defineDeliveryProvider<Static<typeof SmtpOptionsSchema>>({
  name: 'smtp',
  channels: ['email'],
  optionsSchema: SmtpOptionsSchema,
  create(options) {
    const transport = nodemailer.createTransport({
      ...smtpConnectionOptions(options.url),
      pool: true,
      maxConnections: 5,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    })
    return {
      async send(message) {
        try {
          const info = await transport.sendMail({
            from: options.from,
            to: message.to,
            subject: message.subject,
            text: message.text,
            html: message.html,
            headers: { 'X-Tessera-Verification-Id': message.verificationId },
          })
          return { provider: 'smtp', providerMessageId: info.messageId }
        } catch (error) {
          // A 5xx reply to RCPT means the mailbox is refused: retrying will not help.
          const responseCode = (error as { responseCode?: number }).responseCode
          throw new DeliveryError('SMTP send failed', {
            retryable: !(typeof responseCode === 'number' && responseCode >= 500),
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
