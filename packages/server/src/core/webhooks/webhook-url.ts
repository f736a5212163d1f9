import { isIP } from 'node:net'
import { AppError } from '../../errors/app-error.js'

const MAX_URL_LENGTH = 2048

/** Whether `hostname` (as URL parses it) is this machine: `localhost`, 127.0.0.0/8, or ::1. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1'
}

/**
 * A webhook URL as stored: https anywhere, or plain http only to this machine (a receiver in development
 * or a sidecar) — events leave the host only encrypted. Credentials in the URL are refused (they would be
 * shown in lists); the endpoint authenticates Tessera by the signature instead.
 */
export function validWebhookUrl(input: string): string {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    throw new AppError('invalid_webhook_url', { message: 'url is not an absolute URL.' })
  }
  if (input.length > MAX_URL_LENGTH) {
    throw new AppError('invalid_webhook_url', { message: `url is longer than ${MAX_URL_LENGTH} characters.` })
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError('invalid_webhook_url', { message: 'url may not carry a user name or password.' })
  }
  if (url.protocol === 'https:') return url.href
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url.href
  throw new AppError('invalid_webhook_url')
}
