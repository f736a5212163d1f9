import { AppError } from '../../errors/app-error.js'
import { checkDeliveredCode, deliveredCodePlan } from '../delivered-code.js'
import { type CodeDelivery, defineVerifier } from '../verifier.js'

// A pragmatic address check: RFC 5321 lengths, printable local part, a dotted domain of
// LDH labels. Quoted local parts and IP literals are refused: no mailbox provider
// hands those out, and they are common in abuse.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

const emailIdentifiers: CodeDelivery = {
  channel: 'email',
  normalizeIdentifier(raw: string): string | undefined {
    const trimmed = raw.trim()
    if (trimmed.length === 0 || trimmed.length > 254) return undefined
    const at = trimmed.lastIndexOf('@')
    if (at <= 0 || at === trimmed.length - 1) return undefined
    const local = trimmed.slice(0, at)
    const domain = trimmed.slice(at + 1).toLowerCase()
    if (local.length > 64 || !LOCAL_PART.test(local)) return undefined
    const labels = domain.split('.')
    if (labels.length < 2) return undefined
    if (!labels.every((label) => DOMAIN_LABEL.test(label))) return undefined
    // The top-level label is never all digits (that would be an IP address).
    if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return undefined
    return `${local}@${domain}`
  },
  maskIdentifier(normalized: string): string {
    const at = normalized.lastIndexOf('@')
    const local = normalized.slice(0, at)
    const domain = normalized.slice(at + 1)
    const dot = domain.lastIndexOf('.')
    const domainName = domain.slice(0, dot)
    const tld = domain.slice(dot)
    return `${local.slice(0, 1)}***@${domainName.slice(0, 1)}***${tld}`
  },
}

export function invalidEmail(): AppError {
  return new AppError('invalid_identifier', { message: 'to must be a valid email address.' })
}

/** One-time codes by email: a factor is a confirmed address, activated by its first code. */
export const emailVerifier = defineVerifier({
  type: 'email',
  delivery: emailIdentifiers,
  async bind(request) {
    const identifier = request.to === undefined ? undefined : emailIdentifiers.normalizeIdentifier(request.to)
    if (identifier === undefined) throw invalidEmail()
    return { status: 'pending', identifier }
  },
  challenge: (ctx) => deliveredCodePlan(ctx.settings.channels.email),
  check: checkDeliveredCode,
})
