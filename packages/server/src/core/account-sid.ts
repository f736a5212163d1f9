import { createHash } from 'node:crypto'

/**
 * An app's `account_sid` (`AC` + 32 lower-case hex), the user name Twilio's clients send to the
 * Twilio-compatible face (docs/twilio-compat.md). Derived from the app id, so it is stable, needs no
 * column, and every app has one from the start; it is an identifier, not a secret (the app key is).
 */
export function accountSidOf(appId: string): string {
  return `AC${createHash('sha256').update(`tessera-account-sid:${appId}`).digest('hex').slice(0, 32)}`
}
