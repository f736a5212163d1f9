// RFC 6238 codes for the totp-check scenario (the bench computes them itself,
// as an authenticator app would).

import { createHmac } from 'node:crypto'

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/=+$/, '').replace(/\s+/g, '')
  const bytes: number[] = []
  let value = 0
  let bits = 0
  for (const char of clean) {
    const index = BASE32.indexOf(char)
    if (index < 0) throw new Error(`not base32: ${char}`)
    value = (value << 5) | index
    bits += 5
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(bytes)
}

export interface TotpParams {
  readonly secret: Buffer
  readonly algorithm: 'sha1' | 'sha256' | 'sha512'
  readonly digits: number
  readonly period: number
}

/** Parameters from a bind answer: `secret` (base32) and, where present, the `otpauth_uri`'s algorithm/digits/period. */
export function totpParams(secret: string, otpauthUri: string | undefined): TotpParams {
  const query = otpauthUri ? new URL(otpauthUri).searchParams : new URLSearchParams()
  const algorithm = (query.get('algorithm') ?? 'SHA1').toLowerCase()
  return {
    secret: base32Decode(query.get('secret') ?? secret),
    algorithm: algorithm === 'sha256' || algorithm === 'sha512' ? algorithm : 'sha1',
    digits: Number(query.get('digits') ?? 6),
    period: Number(query.get('period') ?? 30),
  }
}

export function stepAt(params: TotpParams, atMs: number): number {
  return Math.floor(atMs / 1000 / params.period)
}

export function totpAt(params: TotpParams, step: number): string {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const mac = createHmac(params.algorithm, params.secret).update(counter).digest()
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f
  const binary = mac.readUInt32BE(offset) & 0x7fffffff
  return String(binary % 10 ** params.digits).padStart(params.digits, '0')
}
