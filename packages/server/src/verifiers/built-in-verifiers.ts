import type { TObject } from '@sinclair/typebox'
import { backupCodeVerifier } from './backup-code/backup-code-verifier.js'
import { emailVerifier } from './email/email-verifier.js'
import { passwordVerifier } from './password/password-verifier.js'
import { smsVerifier } from './sms/sms-verifier.js'
import { totpVerifier } from './totp/totp-verifier.js'
import type { Verifier } from './verifier.js'
import { createVerifierRegistry } from './verifier-registry.js'

/** Every verification type Tessera ships. A new type is one folder plus one line here. */
export const BUILT_IN_VERIFIERS: readonly Verifier[] = [
  smsVerifier,
  emailVerifier,
  totpVerifier,
  passwordVerifier,
  backupCodeVerifier,
]

/** The app settings schema with the built-in types' options: docs/settings.md and the console's form show it. */
export const BUILT_IN_SETTINGS_SCHEMA: TObject = createVerifierRegistry(BUILT_IN_VERIFIERS).settingsSchema
