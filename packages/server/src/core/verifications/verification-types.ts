import type { MessageOptions } from '../../delivery/message-options.js'
import type { VerificationPurpose } from '../../storage/database.js'

export const DEFAULT_SCENE = 'verify-identifier'

export interface StartVerificationInput {
  /** A delivered-code type: `sms`, `email`; may be left out when `factorId` names the factor. */
  readonly channel?: string | undefined
  /** The identifier; may be left out when `factorId` names the factor. */
  readonly to?: string | undefined
  /** One of the user's own active factors to verify (its phone or email). */
  readonly factorId?: string | undefined
  readonly scene?: string | undefined
  readonly locale?: string | undefined
  readonly userId?: string | undefined
  readonly clientIp?: string | undefined
  readonly customCode?: string | undefined
  readonly metadata?: Record<string, unknown> | undefined
  /** A magic link for the email (hosted flow); its secret is the caller's to keep hashed. */
  readonly link?: string | undefined
  /** The caller's choices about the message (sender, template, substitutions). */
  readonly message?: MessageOptions | undefined
}

export interface FactorVerificationInput {
  readonly scene: string
  readonly purpose: VerificationPurpose
  readonly locale?: string | undefined
  readonly clientIp?: string | undefined
}

/** A decoy's facts (uniform_responses): what it stands in for, and why. */
export interface DecoyInput {
  readonly type: string
  readonly scene: string
  readonly userId: string | null
  readonly reason: string
  readonly clientIp?: string | undefined
}

export interface ResendInput {
  /** Another channel for the new code (within the app's enabled channels reaching the same identifier). */
  readonly channel?: string | undefined
  readonly customCode?: string | undefined
  readonly link?: string | undefined
  /** The caller's choices about the message (sender, template, substitutions). */
  readonly message?: MessageOptions | undefined
}

export interface CheckInput {
  readonly verificationId: string
  /** A typed code (or password); absent when the answer is a type's `answerFields` (a passkey's credential). */
  readonly code?: string | undefined
  /** The answer fields the request carried (`credential`); the type gets its own. */
  readonly fields?: Readonly<Record<string, unknown>> | undefined
}

export interface CheckResult {
  readonly verificationId: string
  readonly scene: string
  readonly purpose: VerificationPurpose
  readonly factorId: string | null
  /** The user proven: the verification's, or — for a discoverable challenge — the proven factor's. */
  readonly userId: string | null
  /** Present for `verify` verifications: the proof for the host app. */
  readonly token?: { readonly token: string; readonly expiresIn: number }
  /** Facts from the verifier, e.g. `backup_codes_remaining`. */
  readonly details?: Readonly<Record<string, number>>
}
