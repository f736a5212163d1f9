import { AppError } from '../errors/app-error.js'

// A pragmatic address check: RFC 5321 lengths, printable local part, a dotted domain of
// LDH labels. Quoted local parts and IP literals are refused: no mailbox provider
// hands those out, and they are common in abuse.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/** An email address with its domain in lower case (the local part keeps its case), or undefined when invalid. */
export function normalizeEmailAddress(raw: string): string | undefined {
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
}

/**
 * The one masked form of an email address, in every answer, event and page (`a***@e***.com`): the first
 * character of the local part and of the domain, and the top-level domain.
 */
export function maskEmailAddress(address: string): string {
  const at = address.lastIndexOf('@')
  const local = address.slice(0, at)
  const domain = address.slice(at + 1)
  const dot = domain.lastIndexOf('.')
  // A domain without a dot (only an address nobody validated, such as a hosted session's preset) shows no tail.
  const tld = dot > 0 ? domain.slice(dot) : ''
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***${tld}`
}

export function invalidEmailAddress(): AppError {
  return new AppError('invalid_identifier', { message: 'to must be a valid email address.' })
}
