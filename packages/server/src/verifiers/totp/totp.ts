import { timingSafeEqual } from 'node:crypto'
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
 * (RFC 6238 §5.2). Where two steps of the window share the code (one in a
 * million for adjacent six-digit codes), the newest is the answer: the older
 * one may be the step already used, and answering it would refuse the right
 * code as a replay. Every step of the window is computed and compared in
 * constant time, whichever matches.
 */
export function matchTotpStep(params: TotpParameters, code: string, atMs: number, window: number): number | undefined {
  if (!new RegExp(`^\\d{${params.digits}}$`).test(code)) return undefined
  const totp = totpOf(params)
  const given = Buffer.from(code)
  const now = Math.floor(atMs / 1000 / params.period)
  let matched: number | undefined
  for (let step = now - window; step <= now + window; step++) {
    const expected = Buffer.from(totp.generate({ timestamp: step * params.period * 1000 }))
    if (timingSafeEqual(expected, given)) matched = step
  }
  return matched
}
