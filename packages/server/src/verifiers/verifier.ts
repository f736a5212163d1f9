import type { Static, TObject, TProperties } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { ChannelTexts } from '../i18n/translate.js'
import type { AppSettings, ChannelName } from '../settings/app-settings.js'

/**
 * The contract every verification type implements: `sms`, `email`, `totp`,
 * `password`, `backup-code`, and whatever comes next. A type is one folder
 * with one object of this shape plus one line in built-in-verifiers.ts.
 *
 * The core owns everything that is the same for all types — storing
 * factors and verifications, sealing material, attempt counting, lockout,
 * expiry, tokens — so a type only says how to bind, what a challenge needs,
 * and whether an answer is right. What it adds to the API and the settings
 * it declares here as TypeBox schemas; the bind route, the OpenAPI document,
 * the settings schema and the built-in scenes are composed from them
 * (verifier-registry.ts), so nothing outside the type's folder names its fields.
 */
export interface Verifier<Fields extends TProperties = TProperties> {
  /** Stable id used in the API (`type`), scene settings and storage. Never renamed. */
  readonly type: string
  /** Types that deliver a one-time code: the channel and the identifier rules. */
  readonly delivery?: CodeDelivery
  /**
   * A bind while the user already holds an active factor of this type replaces (or adds to) a credential that
   * proves the user — a password, an authenticator, a backup-code set — so it needs the same proof as removing
   * one: a step-up token from one of the user's own factors. Types that bind an identifier (a second phone)
   * leave it unset.
   */
  readonly replacementNeedsStepUp?: boolean
  /**
   * Binding a factor of this type while the user holds any active factor (not only one of this type) needs the
   * step-up token: a new credential that signs the user in by itself (a passkey) must not be addable by whoever
   * holds a session.
   */
  readonly bindNeedsStepUpOverAnyFactor?: boolean
  /**
   * The settings key of the type's `options` when it is not the type's name (passkeys: `webauthn.*`, the name
   * operators know the standard by).
   */
  readonly settingsKey?: string
  /**
   * The bind request's fields of this type, named as the API names them (snake_case). Declare each
   * `Type.Optional`: the bind route takes every type's fields, and `bind` decides what is missing and answers
   * with the type's own error. Two types may share a field only if they declare it alike (sms and email: `to`).
   */
  readonly bindFields?: Fields
  /** The fields `bind` may reveal once in the 201 answer (`BindResult.reveal`): Fastify serialises only declared fields. */
  readonly revealFields?: TProperties
  /** The fields `describe` adds to the type's factors wherever they are shown (bind answer, lists). */
  readonly viewFields?: TProperties
  /** The fields a successful check's `details` add to the verify answer (backup codes left). */
  readonly checkFields?: TProperties
  /**
   * Types whose answer is a structured object made by the person's device rather than a typed code (a passkey's
   * `credential`): the fields of the verify and activate bodies that carry it. The routes accept every type's;
   * `check` gets its own in `CheckAttempt.fields`. Schemas should bound every string and array (garbage is 400).
   */
  readonly answerFields?: TProperties
  /** The fields `present` adds to a challenge's answer (`options` for the browser), declared for the API schema. */
  readonly challengeFields?: TProperties
  /**
   * What the person's device needs to answer a challenge (WebAuthn's `options`, carrying `code` as the challenge),
   * answered with the verification wherever one starts (bind, challenge, usernameless challenge). Types that
   * deliver a code leave it unset.
   */
  present?(challenge: PresentedChallenge, ctx: PresentContext): Promise<Readonly<Record<string, unknown>>>
  /**
   * Types whose answer names the credential it proves (a passkey's credential id): the factor is looked up by
   * that identifier among the app's active factors of the type, and proven instead of the one the challenge was
   * started with (any of the user's, or, without a user, anybody's — see `discoverable`).
   */
  factorIdentifierOf?(fields: Readonly<Record<string, unknown>>): string | undefined
  /**
   * Challenges without a user (`POST /v1/challenges`): the device offers whichever credential it holds and the
   * answer names it (`factorIdentifierOf`); the token then names the factor's user.
   */
  readonly discoverable?: boolean
  /**
   * Ceremony types (`present`): the hosted pages' texts for them (`channelTexts(type, { en: … })`: title, lead,
   * tab, label, change, error_invalid, and `button`, `or`, `unsupported`, `enroll_title`, `enroll_lead`,
   * `enroll_button`, `step_up_title`, `step_up_lead`, `step_up_code`), English where a locale has none.
   */
  readonly texts?: ChannelTexts<string>
  /**
   * The type's options, with their defaults: app settings under the type's name (`totp.digits`). The settings
   * schema is composed from every type's; read them with `optionsOf`.
   */
  readonly options?: TObject
  /**
   * The built-in scenes this type proves when an app has not configured the scene (`login`, `2fa`, …); an
   * app's `scenes.<name>.allowed_types` overrides. Custom scenes an app has not configured allow every type.
   */
  readonly sceneDefaults?: readonly string[]
  /**
   * Turns a bind request into a new factor. `status: 'pending'` factors are
   * activated by checking a first challenge (a delivered code, a first TOTP);
   * `active` ones are usable at once.
   */
  bind(request: BindRequest<Static<TObject<Fields>>>, ctx: VerifierContext): Promise<BindResult>
  /** What a verification against this type needs: its lifetime, its attempt limit and, for delivered types, the code to send. */
  challenge(ctx: VerifierContext): ChallengePlan
  /**
   * Decides an answer. A wrong answer is an outcome, not a throw. Types whose
   * proofs are single-use (TOTP steps, backup codes) consume them here through
   * the context's atomic operations, so parallel reuse succeeds once.
   */
  check(attempt: CheckAttempt, ctx: CheckContext): Promise<CheckOutcome>
  /**
   * Does the work a real check of `answer` would, for a decoy (`uniform_responses`: a user without such a
   * factor). A decoy is never right, but one answered faster than a real check would tell the caller that the
   * user has no such factor. Types whose check costs noticeable time need it (a password's argon2id); for the
   * others the difference is lost in the round trip.
   */
  judgeDecoy?(answer: string): Promise<void>
  /** The `viewFields` of one of this type's factors, as the API shows them (backup codes left). */
  describe?(
    factor: { readonly id: string; readonly material: string | null },
    ctx: DescribeContext,
  ): Promise<Readonly<Record<string, unknown>>>
}

export interface CodeDelivery {
  readonly channel: ChannelName
  /** The canonical identifier (E.164 phone, email), or undefined when invalid. */
  normalizeIdentifier(raw: string): string | undefined
  /** A form safe for responses and logs. */
  maskIdentifier(normalized: string): string
}

export interface VerifierContext {
  readonly settings: AppSettings
  readonly appName: string
  readonly nowMs: number
}

/** A challenge as `present` sees it. */
export interface PresentedChallenge {
  /** The challenge's one-time value: stored only as an HMAC, checked with `CheckContext.hashCode`. */
  readonly code: string
  readonly purpose: 'activate' | 'verify'
  /** The user the challenge is for; null for a discoverable challenge. */
  readonly userId: string | null
  /** The factor being activated (purpose `activate`), with its material. */
  readonly factor?: { readonly id: string; readonly label: string | null; readonly material: string | null }
  /** The user's active factors of this type (an allow or exclude list), with their material. */
  readonly credentials: readonly {
    readonly id: string
    readonly identifier: string | null
    readonly material: string | null
  }[]
  readonly ttlSeconds: number
}

export interface PresentContext extends VerifierContext {
  /** A stable, opaque id of a user within the app (a keyed HMAC): a WebAuthn user handle that reveals nothing. */
  pseudonymOf(userId: string): string
}

/** A bind request as the type sees it: the user, and the type's own `bindFields` as the request carried them. */
export interface BindRequest<Fields = Readonly<Record<string, unknown>>> {
  readonly userId: string
  /** Only this type's fields: others' never reach it. */
  readonly fields: Fields
}

export interface BindResult {
  readonly status: 'pending' | 'active'
  /** Normalised identifier, for delivered types. */
  readonly identifier?: string
  /** A name shown in factor lists (the TOTP account name). */
  readonly label?: string
  /** Secret material; the core seals it at rest and hands it back to check(). */
  readonly material?: string
  /** One-time codes the core stores hashed (backup codes). */
  readonly oneTimeCodes?: readonly string[]
  /** Fields shown once in the bind response (secret, otpauth_uri, qr_svg, codes). */
  readonly reveal?: Readonly<Record<string, unknown>>
  /** A user holds one factor of this type: binding replaces the others (password, backup codes). */
  readonly replacesOthers?: boolean
}

export interface ChallengePlan {
  readonly ttlSeconds: number
  readonly maxAttempts: number
  /** Delivered types: the code to send, and the send policy. */
  readonly code?: string
  readonly maxSends?: number
  readonly resendCooldownSeconds?: number
}

export interface CheckAttempt {
  /** What the person typed, as sent (a password may begin or end with spaces); code types strip spacing themselves. */
  readonly answer: string
  readonly verificationId: string
  /** The stored hash of the delivered code (delivered types). */
  readonly codeHash: string
  /** The bound factor, when the verification proves one. */
  readonly factor?:
    | {
        readonly id: string
        readonly material: string | null
        readonly userId?: string
        /** The identifier the factor is known by (a passkey's credential id). */
        readonly identifier?: string | null
        /** The highest counter claimed so far (`claimCounter`): a TOTP step, a passkey's sign counter. */
        readonly lastCounter?: number | null
      }
    | undefined
  /** The type's `answerFields` as the request carried them (a passkey's `credential`); empty for code types. */
  readonly fields?: Readonly<Record<string, unknown>>
  /** `activate` for the first check of a pending factor (a passkey's registration), else `verify`. */
  readonly purpose?: 'activate' | 'verify'
}

export interface CheckContext extends PresentContext {
  /** HMAC of a delivered code for this verification, as stored. */
  hashCode(verificationId: string, code: string): string
  /** HMAC of a one-time code of a factor (backup codes). */
  hashFactorCode(factorId: string, code: string): string
  /** Raises the factor's last used counter; true when this caller won (single use of a TOTP step). */
  claimCounter(factorId: string, counter: number): Promise<boolean>
  /** Marks one of the factor's one-time codes used; true when this caller won. */
  consumeCode(factorId: string, codeHash: string): Promise<boolean>
  countUnusedCodes(factorId: string): Promise<number>
}

export interface DescribeContext {
  /** Unused one-time codes of a factor (backup codes). */
  countUnusedCodes(factorId: string): Promise<number>
}

export type CheckOutcome =
  | {
      readonly ok: true
      /** Replacement material (a password rehashed with current parameters). */
      readonly material?: string
      /** Facts for the verify answer, declared in `checkFields` (`backup_codes_remaining`). */
      readonly details?: Readonly<Record<string, number>>
      /** Activation: the identifier the factor is known by from now on (a passkey's credential id). */
      readonly identifier?: string
    }
  | {
      readonly ok: false
      readonly reason: 'mismatch' | 'replayed'
      /**
       * Why a credential (not a typed code) was refused, told to the caller as `credential_rejected` with this
       * `reason` (`origin_mismatch`, `counter_regression`, …) and message: nothing in it helps guess a code.
       */
      readonly refusal?: { readonly reason: string; readonly message: string }
      /** Marks the factor for the operator (`counter_regression`: a cloned authenticator); the refusal stands. */
      readonly flag?: string
    }

/** Identity helper for inference (`bind` sees its `bindFields` typed), so each verifier file reads the same. */
export function defineVerifier<const Fields extends TProperties = Record<never, never>>(
  verifier: Verifier<Fields>,
): Verifier<Fields> {
  return verifier
}

/**
 * A type's options as an app's settings hold them (`settings.<type>`), defaults filled: settings stored before the
 * type (or one of its options) existed read as the defaults.
 */
export function optionsOf<T extends TObject>(settings: AppSettings, type: string, schema: T): Static<T> {
  // Type options are composed into the settings schema at run time, so AppSettings (the base) does not name them.
  const stored = (settings as unknown as Readonly<Record<string, unknown>>)[type]
  return Value.Default(schema, structuredClone(stored ?? {})) as Static<T>
}
