/**
 * What a caller may choose about one message beyond the app's settings: its sender, which of the app's
 * templates renders it, and extra values for that template. The Twilio face's `ChannelConfiguration` fills it
 * (docs/twilio-compat.md); a message without options is the app's as configured.
 */
export interface MessageOptions {
  /** The sender of this message, for providers that set one (smtp); each part left out stays the provider's. */
  readonly sender?: MessageFrom | undefined
  /** The key of the app's templates for the channel (a scene, or `*`) to render with, instead of the verification's scene. */
  readonly templateKey?: string | undefined
  /** Values for `{substitutions.<name>}` in the app's template; HTML-escaped in the HTML part. */
  readonly substitutions?: Readonly<Record<string, string>> | undefined
}

export interface MessageFrom {
  readonly address?: string | undefined
  readonly name?: string | undefined
}

/** How many substitutions one message takes, how long a name and a value may be. */
export const MAX_SUBSTITUTIONS = 20
export const MAX_SUBSTITUTION_VALUE_LENGTH = 500
export const SUBSTITUTION_NAME = /^[A-Za-z0-9_]{1,64}$/

const SUBSTITUTION = /\{substitutions\.([A-Za-z0-9_]{1,64})\}/g

/**
 * Fills `{substitutions.<name>}` in one pass (a value holding another placeholder is not expanded again);
 * names the message was not given stay as written. `encode` escapes each value for where it lands.
 */
export function fillSubstitutions(
  text: string,
  substitutions: Readonly<Record<string, string>>,
  encode: (value: string) => string = (value) => value,
): string {
  return text.replace(SUBSTITUTION, (whole, name: string) =>
    Object.hasOwn(substitutions, name) ? encode(substitutions[name] as string) : whole,
  )
}
