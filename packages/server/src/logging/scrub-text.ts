/**
 * What free text in a log line (a message, an error's message or stack) can carry by accident, each
 * as one alternative of a single pattern so a string is scanned once:
 * - a query string after a path or URL (`/hosted/…/confirm?t=…`): the path stays, the query goes;
 * - a hosted session id (`ses_…`), which is a bearer credential: whoever holds it drives the page;
 * - an app key (`tsk_…`) or a generated admin key (`tadm_…`);
 * - a JWT (verification tokens);
 * - an email address, also percent-encoded;
 * - a phone number: 8 to 15 digits, with or without `+` or `%2B` (E.164, and the bare digits of a Vonage
 *   `msisdn`).
 */
const SENSITIVE = new RegExp(
  [
    String.raw`(?<path>/[^\s?#"'<>]{0,1024})\?[^\s"'<>]+`,
    String.raw`\bses_[0-9a-z]+`,
    String.raw`\bt(?:sk|adm)_[\w-]+`,
    String.raw`\beyJ[\w-]*\.[\w-]*\.[\w-]*`,
    String.raw`[\w.%+-]{1,64}(?:@|%40)[\w.-]{1,253}\.[A-Za-z]{2,}`,
    String.raw`(?<![\w.+%])(?:\+|%2[Bb])?\d{8,15}(?![\w.])`,
  ].join('|'),
  'g',
)

export const REDACTED = '[redacted]'

/**
 * Longer text is cut before scanning (no log message needs more, and the scan stays cheap), back to
 * the last whitespace, so no half of a secret is left where the cut fell.
 */
const MAX_TEXT = 8192

/**
 * The text with every sensitive match replaced by `[redacted]` (a path keeps itself, minus its query).
 * Every repetition that could backtrack is bounded, so a long hostile string costs linear time.
 */
export function scrubText(text: string): string {
  const bounded = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT).replace(/\S*$/, '')}…[truncated]` : text
  return bounded.replace(SENSITIVE, (...match: unknown[]) => {
    const groups = match.at(-1) as { path?: string }
    // The path itself may hold an id or an identifier; it holds no `?`, so this recursion ends.
    return groups.path === undefined ? REDACTED : `${scrubText(groups.path)}?${REDACTED}`
  })
}
