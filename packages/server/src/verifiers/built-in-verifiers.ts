import type { TObject } from '@sinclair/typebox'
import { BUILT_IN_CHANNELS } from '../channels/built-in-channels.js'
import { backupCodeVerifier } from './backup-code/backup-code-verifier.js'
import { deliveredCodeVerifier } from './delivered-code.js'
import { passkeyVerifier } from './passkey/passkey-verifier.js'
import { passwordVerifier } from './password/password-verifier.js'
import { totpVerifier } from './totp/totp-verifier.js'
import type { Verifier } from './verifier.js'
import { createVerifierRegistry } from './verifier-registry.js'

/**
 * Every verification type Tessera ships. A new type is one folder plus one line here; each channel
 * (channels/built-in-channels.ts) brings its own one-time-code type, named as the channel.
 */
export const BUILT_IN_VERIFIERS: readonly Verifier[] = [
  ...BUILT_IN_CHANNELS.map(deliveredCodeVerifier),
  totpVerifier,
  passwordVerifier,
  backupCodeVerifier,
  passkeyVerifier,
]

/** The app settings schema with the built-in types' options: docs/settings.md and the console's form show it. */
export const BUILT_IN_SETTINGS_SCHEMA: TObject = createVerifierRegistry(BUILT_IN_VERIFIERS).settingsSchema
