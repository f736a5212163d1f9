import { createHash, createHmac } from 'node:crypto'

export interface Tc3Request {
  readonly secretId: string
  readonly secretKey: string
  /** Product, e.g. `sms`: the first label of the API host. */
  readonly service: string
  readonly host: string
  readonly contentType: string
  readonly payload: string
  readonly timestampSeconds: number
}

const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex')
const hmac = (key: Buffer | string, value: string) => createHmac('sha256', key).update(value, 'utf8').digest()

/**
 * Tencent Cloud API 3.0 signature, TC3-HMAC-SHA256, for a POST to `/`
 * signing `content-type` and `host`. Returns the Authorization header and the
 * intermediate values (the published example checks each).
 * https://www.tencentcloud.com/document/api/382/40693 (SMS) — “Signature v3”.
 */
export function tc3Authorization(request: Tc3Request): {
  authorization: string
  canonicalRequestHash: string
  signature: string
} {
  const date = new Date(request.timestampSeconds * 1000).toISOString().slice(0, 10)
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:${request.contentType}\nhost:${request.host}\n`,
    'content-type;host',
    sha256Hex(request.payload),
  ].join('\n')
  const canonicalRequestHash = sha256Hex(canonicalRequest)
  const scope = `${date}/${request.service}/tc3_request`
  const stringToSign = `TC3-HMAC-SHA256\n${request.timestampSeconds}\n${scope}\n${canonicalRequestHash}`
  const signingKey = hmac(hmac(hmac(`TC3${request.secretKey}`, date), request.service), 'tc3_request')
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex')
  return {
    authorization: `TC3-HMAC-SHA256 Credential=${request.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
    canonicalRequestHash,
    signature,
  }
}
