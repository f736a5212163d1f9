import { createHmac } from 'node:crypto'
import { constantTimeEqual } from '../../crypto/secrets.js'

/**
 * X-Twilio-Signature: base64(HMAC-SHA1(auth token, the full URL Twilio
 * called followed by every POST parameter, sorted by name, as name + value)).
 * https://www.twilio.com/docs/usage/security#validating-requests
 */
export function twilioSignature(authToken: string, url: string, params: Readonly<Record<string, string>>): string {
  let data = url
  for (const name of Object.keys(params).sort()) data += name + params[name]
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64')
}

export function isValidTwilioSignature(
  authToken: string,
  url: string,
  params: Readonly<Record<string, string>>,
  signature: string | undefined,
): boolean {
  if (!signature) return false
  return constantTimeEqual(twilioSignature(authToken, url, params), signature)
}
