import type { DeliveryChannel } from './delivery-provider.js'

export interface VerificationMessageInput {
  readonly channel: DeliveryChannel
  readonly appName: string
  readonly code: string
  readonly ttlSeconds: number
  /** A magic link (email only): opens a confirm page; it approves only on the person's click. */
  readonly link?: string | undefined
}

export interface RenderedMessage {
  readonly subject: string
  readonly text: string
  readonly html: string
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch)
}

function lifetime(ttlSeconds: number): string {
  const minutes = Math.max(1, Math.round(ttlSeconds / 60))
  if (ttlSeconds < 60) return `${ttlSeconds} second${ttlSeconds === 1 ? '' : 's'}`
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}

/**
 * The English message for a one-time code. It names the app (so a person
 * knows who asks) and the code's lifetime; the app name is escaped in HTML.
 */
export function renderVerificationMessage(input: VerificationMessageInput): RenderedMessage {
  const expires = lifetime(input.ttlSeconds)
  const subject = `Your ${input.appName} verification code`
  if (input.channel === 'sms') {
    const text = `Your ${input.appName} verification code is ${input.code}. It expires in ${expires}. Do not share it with anyone.`
    return { subject, text, html: '' }
  }
  const text = [
    `Your ${input.appName} verification code is:`,
    '',
    `    ${input.code}`,
    ...(input.link ? ['', 'Or confirm with this link (it works once):', '', `    ${input.link}`] : []),
    '',
    `It expires in ${expires}. If you did not ask for it, you can ignore this email; nobody can use the code without access to your mailbox.`,
  ].join('\n')
  const linkHtml = input.link
    ? `<p style="margin:0 0 24px"><a href="${escapeHtml(input.link)}" style="display:inline-block;background:#1f2328;color:#fff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">Confirm it’s me</a></p>
<p style="margin:0 0 24px;color:#57606a;font-size:13px">The link works once. Or paste it into your browser: ${escapeHtml(input.link)}</p>
`
    : ''
  const app = escapeHtml(input.appName)
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328">
<div style="max-width:480px;margin:0 auto;background:#fff;border-radius:8px;padding:32px">
<p style="margin:0 0 16px">Your <strong>${app}</strong> verification code is:</p>
<p style="margin:0 0 24px;font-size:32px;letter-spacing:6px;font-weight:700;font-family:ui-monospace,Menlo,Consolas,monospace">${escapeHtml(input.code)}</p>
${linkHtml}<p style="margin:0;color:#57606a">It expires in ${expires}. If you did not ask for it, you can ignore this email.</p>
</div></body></html>`
  return { subject, text, html }
}
