/**
 * The contract every verification type implements. Today the types are the
 * two that deliver a one-time code (`sms`, `email`); TOTP, password and
 * backup codes join through the same registry.
 */
export type VerifierType = 'sms' | 'email'

export interface Verifier {
  /** Stable id used in config, API and storage. Never renamed. */
  readonly type: VerifierType
  /**
   * The canonical form of an identifier (E.164 phone, trimmed email), or
   * `undefined` when the input is not a valid identifier for this type.
   */
  normalizeIdentifier(raw: string): string | undefined
  /** A form safe to show in responses and logs. */
  maskIdentifier(normalized: string): string
}

/** Identity helper for inference, so each verifier file reads the same. */
export function defineVerifier<T extends Verifier>(verifier: T): T {
  return verifier
}
