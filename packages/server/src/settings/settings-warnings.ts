import type { AppSettings } from './app-settings.js'
import { codeChannels, codeFormatOf, codeSpace } from './code-format.js'

/**
 * Settings that are valid but below NIST SP 800-63B's guidance. They stay
 * allowed (a product may need 4-digit SMS codes), and every answer that
 * carries an app's settings names them, so the choice is made knowingly.
 */
export type WeakSettingCode =
  | 'code_too_short'
  | 'code_ttl_too_long'
  | 'max_attempts_too_high'
  | 'failed_checks_budget_too_high'
  | 'factor_lockout_too_lenient'
  | 'custom_code_allowed'

export interface WeakSettingWarning {
  /** Dotted path of the setting inside the settings object: `channels.sms.code_length`. */
  readonly setting: string
  /** Stable snake_case name of the rule. */
  readonly code: WeakSettingCode
  /** One sentence: the value, the guidance, and why it matters. */
  readonly message: string
}

/** The thresholds, with where each comes from. */
const GUIDANCE = {
  /** §5.1.3.2: an out-of-band secret of at least 6 decimal digits, about 20 bits. */
  minCodeSpace: 10 ** 6,
  /** §5.1.3.2: an out-of-band secret is valid for at most 10 minutes. */
  maxCodeTtlSeconds: 600,
  /**
   * Tessera's line (issue 13), in the spirit of §5.2.2's rate limiting: each
   * check is one more guess at the same code.
   */
  maxAttempts: 10,
  /** §5.2.2: at most 100 consecutive failed attempts on one account. */
  maxConsecutiveFailures: 100,
} as const

const DAY_SECONDS = 86_400

const count = (value: number) => value.toLocaleString('en-US')

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`
  if (seconds % 60 === 0) return `${seconds / 60} min`
  return `${seconds} s`
}

/**
 * Every setting of `settings` (complete, resolved settings) below the
 * guidance, in settings order; empty when none. Pure: no I/O, no clock.
 */
export function weakSettingWarnings(settings: AppSettings): WeakSettingWarning[] {
  const warnings: WeakSettingWarning[] = []
  for (const [channel, policy] of codeChannels(settings)) {
    const format = codeFormatOf(settings, channel)
    if (!format) continue
    const space = codeSpace(format)
    if (space < GUIDANCE.minCodeSpace) {
      const what =
        format.alphabet === 'digits'
          ? `${format.length} digits`
          : `${format.length} characters from ${format.characters.length} (${count(space)} possible codes, about ${Math.log2(space).toFixed(1)} bits)`
      warnings.push({
        setting: `channels.${channel}.code_length`,
        code: 'code_too_short',
        message: `Codes of the ${channel} channel are ${what}: NIST SP 800-63B (§5.1.3.2) asks for at least 6 digits or the same entropy (about 20 bits): here a guess succeeds once in ${count(space)} instead of once in ${count(GUIDANCE.minCodeSpace)}.`,
      })
    }
    if (policy.ttl_seconds > GUIDANCE.maxCodeTtlSeconds) {
      warnings.push({
        setting: `channels.${channel}.ttl_seconds`,
        code: 'code_ttl_too_long',
        message: `Codes of the ${channel} channel stay valid for ${count(policy.ttl_seconds)} s (${duration(policy.ttl_seconds)}): NIST SP 800-63B (§5.1.3.2) allows an out-of-band code at most 10 minutes (600 s), because a code that lives longer gives whoever intercepts or guesses it longer to use it.`,
      })
    }
    if (policy.max_attempts > GUIDANCE.maxAttempts) {
      warnings.push({
        setting: `channels.${channel}.max_attempts`,
        code: 'max_attempts_too_high',
        message: `Each verification on the ${channel} channel accepts ${policy.max_attempts} checks, above the 10 Tessera flags under NIST SP 800-63B's rate limiting (§5.2.2): every check is one more guess at the same code, so one verification can be guessed ${policy.max_attempts} times in ${count(space)}.`,
      })
    }
  }
  if (settings.challenge.max_attempts > GUIDANCE.maxAttempts) {
    warnings.push({
      setting: 'challenge.max_attempts',
      code: 'max_attempts_too_high',
      message: `Each TOTP, password or backup-code challenge accepts ${settings.challenge.max_attempts} checks, above the 10 Tessera flags under NIST SP 800-63B's rate limiting (§5.2.2): every check is one more guess at the factor.`,
    })
  }
  const budget = settings.limits.failed_checks_per_identifier
  // A windowed budget refills: what matters is how many wrong codes one identifier can take in a day.
  const failuresPerDay = budget.max * Math.ceil(DAY_SECONDS / budget.window_seconds)
  if (failuresPerDay > GUIDANCE.maxConsecutiveFailures) {
    warnings.push({
      setting: 'limits.failed_checks_per_identifier',
      code: 'failed_checks_budget_too_high',
      message: `One identifier may take up to ${count(failuresPerDay)} wrong codes a day (${count(budget.max)} per ${count(budget.window_seconds)} s) across verifications: NIST SP 800-63B (§5.2.2) allows at most 100 consecutive failed attempts on one account, because past that a short code falls to guessing.`,
    })
  }
  if (settings.factor_lockout.max_failures > GUIDANCE.maxConsecutiveFailures) {
    warnings.push({
      setting: 'factor_lockout.max_failures',
      code: 'factor_lockout_too_lenient',
      message: `A factor locks only after ${count(settings.factor_lockout.max_failures)} consecutive failures: NIST SP 800-63B (§5.2.2) allows at most 100, because past that a TOTP code or a weak password falls to guessing.`,
    })
  }
  if (settings.allow_custom_code) {
    warnings.push({
      setting: 'allow_custom_code',
      code: 'custom_code_allowed',
      message:
        'Start requests may carry their own custom_code: NIST SP 800-63B (§5.1.3.2) wants the verifier to generate out-of-band codes with an approved random generator, and Tessera cannot tell whether the caller did.',
    })
  }
  return warnings
}
