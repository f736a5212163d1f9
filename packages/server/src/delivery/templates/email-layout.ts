import { isRightToLeft } from '../../i18n/locale.js'

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

/** The parts of a code email, each already rendered and HTML-escaped. */
export interface EmailParts {
  readonly locale: string
  readonly subject: string
  readonly intro: string
  readonly code: string
  readonly expiry: string
  readonly ignore: string
}

/**
 * A plain, readable layout: one narrow card, system fonts, the code large and
 * monospaced, no images or remote resources (nothing to block or track), the
 * text direction of the locale (right to left for Arabic).
 */
export function emailHtml(parts: EmailParts): string {
  const dir = isRightToLeft(parts.locale) ? 'rtl' : 'ltr'
  const align = dir === 'rtl' ? 'right' : 'left'
  return `<!doctype html>
<html lang="${escapeHtml(parts.locale)}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${parts.subject}</title></head>
<body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:#1f2328;text-align:${align}">
<div dir="${dir}" style="max-width:480px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">
<p style="margin:0 0 16px;font-size:16px;line-height:1.5">${parts.intro}</p>
<p dir="ltr" style="margin:0 0 24px;font-size:32px;letter-spacing:6px;font-weight:700;font-family:ui-monospace,Menlo,Consolas,monospace;text-align:${align}">${parts.code}</p>
<p style="margin:0 0 12px;font-size:14px;line-height:1.5;color:#57606a">${parts.expiry}</p>
<p style="margin:0;font-size:14px;line-height:1.5;color:#57606a">${parts.ignore}</p>
</div></body></html>`
}

/** An app's plain-text template shown as HTML: escaped, paragraphs kept, same card. */
export function textAsHtml(locale: string, subject: string, text: string): string {
  const dir = isRightToLeft(locale) ? 'rtl' : 'ltr'
  const paragraphs = text
    .split(/\n{2,}/)
    .map(
      (paragraph) =>
        `<p style="margin:0 0 16px;font-size:16px;line-height:1.5">${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="${escapeHtml(locale)}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:#1f2328">
<div dir="${dir}" style="max-width:480px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">
${paragraphs}
</div></body></html>`
}
