import { Secret, TOTP } from 'otpauth'

/** The parameters of one TOTP factor (RFC 6238). */
export interface TotpParameters {
  /** Base32 secret. */
  readonly secret: string
  readonly algorithm: 'SHA1' | 'SHA256' | 'SHA512'
  readonly digits: number
  /** Seconds per step. */
  readonly period: number
}

/** 160 bits from the CSPRNG: the size RFC 4226 §4 recommends (and SHA-1's block output). */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

/** A base32 secret, normalised (upper case, no spaces or padding), or undefined when not base32 of ≥80 bits. */
export function parseBase32Secret(raw: string): string | undefined {
  const cleaned = raw.replace(/[\s=-]/g, '').toUpperCase()
  if (!/^[A-Z2-7]+$/.test(cleaned) || cleaned.length < 16 || cleaned.length > 128) return undefined
  return cleaned
}

function totpOf(params: TotpParameters, issuer?: string, label?: string): TOTP {
  return new TOTP({
    algorithm: params.algorithm,
    digits: params.digits,
    period: params.period,
    secret: Secret.fromBase32(params.secret),
    ...(issuer === undefined ? {} : { issuer }),
    ...(label === undefined ? {} : { label }),
  })
}

/** The standard `otpauth://totp/Issuer:label?…` URI authenticator apps scan. */
export function totpUri(params: TotpParameters, issuer: string, label: string): string {
  return totpOf(params, issuer, label).toString()
}

export function generateTotp(params: TotpParameters, atMs: number): string {
  return totpOf(params).generate({ timestamp: atMs })
}

/**
 * The time step whose code matches, within ±window steps of `atMs`, or
 * undefined. The caller stores the step so the same code is accepted once
 * (RFC 6238 §5.2). otpauth compares in constant time.
 */
export function matchTotpStep(params: TotpParameters, code: string, atMs: number, window: number): number | undefined {
  if (!new RegExp(`^\\d{${params.digits}}$`).test(code)) return undefined
  const delta = totpOf(params).validate({ token: code, timestamp: atMs, window })
  if (delta === null) return undefined
  return Math.floor(atMs / 1000 / params.period) + delta
}
