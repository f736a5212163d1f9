import { createHmac } from 'node:crypto'

/** Percent-encoding as Alibaba Cloud's RPC signature wants it: RFC 3986, `~` kept, space as %20. */
function aliyunPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The sorted, encoded query string both the signature and the request body are made of. */
export function aliyunCanonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .sort()
    .map((name) => `${aliyunPercentEncode(name)}=${aliyunPercentEncode(params[name] ?? '')}`)
    .join('&')
}

/**
 * Alibaba Cloud RPC signature (SignatureVersion 1.0, HMAC-SHA1):
 * base64(HMAC-SHA1(secret + "&", method + "&" + enc("/") + "&" + enc(canonical query))).
 * https://help.aliyun.com/document_detail/101343.html
 */
export function aliyunSignature(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  secret: string,
): string {
  const stringToSign = `${method}&${aliyunPercentEncode('/')}&${aliyunPercentEncode(aliyunCanonicalQuery(params))}`
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64')
}
