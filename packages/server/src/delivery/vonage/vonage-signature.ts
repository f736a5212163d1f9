import { createHash, createHmac } from 'node:crypto'
import { constantTimeEqual } from '../../crypto/secrets.js'

export type VonageSignatureMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512'

/**
 * Vonage's signed requests (SMS API): every parameter but `sig`, sorted by
 * name, joined as `&name=value` (with `&` and `=` inside values replaced by
 * `_`). `md5hash` (the account default) is the lowercase MD5 of that string
 * followed by the signature secret; the HMAC methods are the uppercase hex
 * HMAC of the string keyed by the secret.
 * https://developer.vonage.com/en/getting-started/concepts/signing-messages
 */
export function vonageSignature(
  params: Readonly<Record<string, string>>,
  secret: string,
  method: VonageSignatureMethod,
): string {
  let data = ''
  for (const name of Object.keys(params).sort()) {
    if (name === 'sig') continue
    data += `&${name}=${(params[name] ?? '').replace(/[&=]/g, '_')}`
  }
  if (method === 'md5hash')
    return createHash('md5')
      .update(data + secret, 'utf8')
      .digest('hex')
  return createHmac(method, secret).update(data, 'utf8').digest('hex').toUpperCase()
}

/** Signed requests older than this are refused (Vonage's own window), so a captured one cannot be replayed later. */
const MAX_AGE_SECONDS = 300

export function isValidVonageSignature(
  params: Readonly<Record<string, string>>,
  secret: string,
  method: VonageSignatureMethod,
  nowMs: number,
): boolean {
  const sig = params.sig
  if (!sig) return false
  const timestamp = Number(params.timestamp)
  if (!Number.isFinite(timestamp) || Math.abs(nowMs / 1000 - timestamp) > MAX_AGE_SECONDS) return false
  const expected = vonageSignature(params, secret, method)
  // md5hash is lowercase, the HMACs uppercase; Vonage's libraries compare case-insensitively.
  return constantTimeEqual(expected.toLowerCase(), sig.toLowerCase())
}
