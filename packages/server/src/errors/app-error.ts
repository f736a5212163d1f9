import { ERROR_CODES, type ErrorCode } from './error-codes.js'

/** Extra fields merged into the error body, e.g. `attempts_remaining`, `retry_after`. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>

/**
 * One field's problem: the dotted path of the field as the request named it
 * (`settings.channels.sms.code_length`) and what is wrong with it. Carried as
 * data so a form can show each beside its field; the message says them all.
 */
export interface FieldProblem {
  readonly path: string
  readonly message: string
}

/**
 * The one error type the service throws on purpose. Its message reaches the
 * client; anything that is not an AppError is answered as a generic 500.
 */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly number: number
  readonly details: ErrorDetails | undefined
  /** Response headers that belong to this error (RateLimit-*), not part of the body. */
  readonly headers: Readonly<Record<string, string>> | undefined
  /** The fields at fault, when the request named some; not part of the body (the message names them). */
  readonly problems: readonly FieldProblem[]
  /**
   * Why, in a word, when the code alone does not say (`guard`: the channel's guard refused the destination;
   * `unreachable`: the provider said the identifier cannot receive the channel): for faces that speak another
   * API's error codes (docs/twilio-compat.md). Not part of the body.
   */
  readonly reason: string | undefined

  constructor(
    code: ErrorCode,
    options: {
      message?: string
      details?: ErrorDetails
      headers?: Record<string, string>
      problems?: readonly FieldProblem[]
      reason?: string
      cause?: unknown
    } = {},
  ) {
    const entry = ERROR_CODES[code]
    super(options.message ?? entry.message, { cause: options.cause })
    this.name = 'AppError'
    this.code = code
    this.status = entry.status
    this.number = entry.number
    this.details = options.details
    this.headers = options.headers
    this.problems = options.problems ?? []
    this.reason = options.reason
  }

  /** The contract's error body. */
  toBody(): Record<string, unknown> {
    return {
      error: this.code,
      error_code: this.number,
      error_description: this.message,
      ...this.details,
    }
  }
}

/** Guard form: `assertThat(found, 'verification_not_found')`. */
export function assertThat(
  condition: unknown,
  code: ErrorCode,
  options?: ConstructorParameters<typeof AppError>[1],
): asserts condition {
  if (!condition) throw new AppError(code, options)
}
