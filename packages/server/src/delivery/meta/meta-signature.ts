import { createHmac } from 'node:crypto'
import { constantTimeEqual } from '../../crypto/secrets.js'

/**
 * X-Hub-Signature-256 of a WhatsApp Cloud API webhook: `sha256=` + the hex
 * HMAC-SHA256 of the raw request body, keyed with the Meta app's secret.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads
 */
export function metaSignature(appSecret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody, 'utf8').digest('hex')}`
}

export function isValidMetaSignature(appSecret: string, rawBody: string, signature: string | undefined): boolean {
  if (!signature) return false
  return constantTimeEqual(metaSignature(appSecret, rawBody), signature.toLowerCase())
}
