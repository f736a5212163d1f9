import { type Static, Type } from '@sinclair/typebox'
import type { AppSettings } from '../../settings/app-settings.js'
import { optionsOf } from '../verifier.js'

/** The settings key of the passkey type's options: operators know the standard's name. */
export const WEBAUTHN_SETTINGS_KEY = 'webauthn'

/** An origin a ceremony may run on: https, or http on localhost (a secure context for development). */
const ORIGIN_PATTERN =
  '^(https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|http://(localhost|[A-Za-z0-9-]{1,63}\\.localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]{1,5})?)$'

/** App settings `webauthn.*`: the relying party passkeys are bound to, and what a ceremony demands. */
export const WebAuthnOptions = Type.Object(
  {
    rp_id: Type.String({
      pattern: '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*$',
      maxLength: 253,
      default: 'localhost',
      description:
        'The relying party ID passkeys are bound to: the domain of the pages that run the ceremony or a registrable suffix of it (`example.com` serves `login.example.com`). Changing it orphans every passkey registered before.',
    }),
    rp_name: Type.String({
      maxLength: 64,
      default: '',
      description: 'The name the browser shows in the passkey dialog; empty: the app’s name.',
    }),
    origins: Type.Array(Type.String({ pattern: ORIGIN_PATTERN, maxLength: 300 }), {
      default: [],
      uniqueItems: true,
      maxItems: 20,
      description:
        'The exact origins (`https://login.example.com`) whose ceremonies are accepted: https, or http on localhost. Empty: https on the RP ID and its subdomains, and — when the RP ID is `localhost` — http://localhost on any port.',
    }),
    user_verification: Type.Union([Type.Literal('required'), Type.Literal('preferred'), Type.Literal('discouraged')], {
      default: 'required',
      description:
        'Whether the authenticator must verify the person (biometrics, PIN): `required` refuses an assertion without it.',
    }),
    attestation: Type.Union([Type.Literal('none'), Type.Literal('direct'), Type.Literal('enterprise')], {
      default: 'none',
      description: 'The attestation asked for at registration; `none` keeps the authenticator’s make private.',
    }),
  },
  { additionalProperties: false, default: {} },
)
export type WebAuthnSettings = Static<typeof WebAuthnOptions>

export const webAuthnOptions = (settings: AppSettings): WebAuthnSettings =>
  optionsOf(settings, WEBAUTHN_SETTINGS_KEY, WebAuthnOptions)

/** Whether a ceremony that ran on `origin` counts, under the app's `webauthn.origins` (or their default). */
export function isAllowedOrigin(origin: string, options: WebAuthnSettings): boolean {
  if (options.origins.length > 0) return options.origins.includes(origin)
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  // An origin is scheme, host and port only: anything more is not what a browser reports.
  if (url.origin !== origin) return false
  const host = url.hostname
  const onRpId = host === options.rp_id || host.endsWith(`.${options.rp_id}`)
  if (url.protocol === 'https:') return onRpId
  return url.protocol === 'http:' && options.rp_id === 'localhost' && host === 'localhost'
}
