import { channelTexts } from '../../i18n/translate.js'
import type { Channel } from '../channel.js'
import { smsChannel } from '../sms/sms-channel.js'
import { createPhoneGuard } from '../sms/sms-guard.js'
import { CallLimitsSchema, CallSettingsSchema, CallTemplateSchema } from './call-settings.js'

/**
 * One-time codes read out by a voice call (Twilio Verify calls the channel `call`): the accessible way for
 * landlines and for people who cannot read a text. The message is spoken in the verification's locale
 * (`voice_language` of each locale file), the code character by character with pauses, twice.
 */
export const callChannel = {
  name: 'call',
  label: 'Voice call',
  unreachable: 'The delivery provider says this phone number cannot be called.',
  identifier: smsChannel.identifier,
  texts: channelTexts('call'),
  settingsSchema: CallSettingsSchema,
  limitsSchema: CallLimitsSchema,
  templateSchema: CallTemplateSchema,
  format: 'text',
  carriesLinks: false,
  spoken: true,
  offeredInstead: true,
  sceneDefaults: ['verify-identifier', 'signup', 'login', '2fa', 'step-up', 'password-reset', 'identifier-change'],
  providersVariable: 'TESSERA_CALL_PROVIDERS',
  defaultProviders(config) {
    if (Array.isArray(config.callProviders)) return config.callProviders
    return [{ type: 'console' }]
  },
  guard: createPhoneGuard('call'),
} as const satisfies Channel
