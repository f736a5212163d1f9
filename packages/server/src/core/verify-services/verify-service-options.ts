import type { AppSettings } from '../../settings/app-settings.js'
import type { App } from '../app-service.js'

/**
 * A Twilio Verify service's options, named as Twilio's API answers them. Those Tessera acts on are
 * `code_length` (every channel's code length), `custom_code_enabled` (settings.allow_custom_code) and the
 * friendly name (the app name in messages); the others are kept and answered as set.
 */
export interface VerifyServiceOptions {
  readonly code_length: number
  readonly custom_code_enabled: boolean
  readonly lookup_enabled: boolean
  readonly skip_sms_to_landlines: boolean
  readonly dtmf_input_required: boolean
  readonly tts_name: string | null
  readonly psd2_enabled: boolean
  readonly do_not_share_warning_enabled: boolean
  readonly default_template_sid: string | null
  readonly verify_event_subscription_enabled: boolean
}

export const DEFAULT_SERVICE_OPTIONS: VerifyServiceOptions = {
  code_length: 6,
  custom_code_enabled: false,
  lookup_enabled: false,
  skip_sms_to_landlines: false,
  dtmf_input_required: true,
  tts_name: null,
  psd2_enabled: false,
  do_not_share_warning_enabled: false,
  default_template_sid: null,
  verify_event_subscription_enabled: false,
}

export interface VerifyService {
  /** `VA` + 32 hex. */
  readonly sid: string
  readonly appId: string
  readonly friendlyName: string
  readonly options: VerifyServiceOptions
  readonly createdAt: number
  readonly updatedAt: number
}

/**
 * The app as a service's verifications see it: the service's code length (or that of the start's CustomCode)
 * and custom-code switch over the app's settings, and its friendly name (or the start's CustomFriendlyName)
 * as the name in messages. Every
 * other setting — attempts, sends, lifetimes, limits, providers, scenes — stays the app's, so the same limits
 * hold whichever API starts a verification. The resend cooldown is 0: Twilio Verify has none, and a client
 * that starts again for the same number expects a new code (max_sends and the send limits still bound it).
 */
export function appForService(
  app: App,
  service: VerifyService,
  options: { friendlyName?: string | undefined; customCode?: string | undefined } = {},
): App {
  // Twilio takes a CustomCode of 4–10 characters whatever the service's CodeLength: its length is the code
  // length of that verification (start.ts still holds it to 4–10 and the app's alphabet).
  const customLength = options.customCode?.length
  const codeLength =
    customLength !== undefined && customLength >= 4 && customLength <= 10 ? customLength : service.options.code_length
  const channels = Object.fromEntries(
    Object.entries(app.settings.channels).map(([name, slice]) => [
      name,
      { ...slice, code_length: codeLength, resend_cooldown_seconds: 0 },
    ]),
  ) as AppSettings['channels']
  return {
    ...app,
    name: options.friendlyName ?? service.friendlyName,
    settings: { ...app.settings, channels, allow_custom_code: service.options.custom_code_enabled },
  }
}
