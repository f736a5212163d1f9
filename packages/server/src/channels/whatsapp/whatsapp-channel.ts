import { channelTexts } from '../../i18n/translate.js'
import type { Channel } from '../channel.js'
import { smsChannel } from '../sms/sms-channel.js'
import { createPhoneGuard } from '../sms/sms-guard.js'
import { WhatsappLimitsSchema, WhatsappSettingsSchema, WhatsappTemplateSchema } from './whatsapp-settings.js'

/**
 * One-time codes on WhatsApp, to a phone number: the SMS channel's normalisation and masking, and the pumping
 * guard with a policy and counters of its own (WhatsApp's authentication templates are billed per country too).
 */
export const whatsappChannel = {
  name: 'whatsapp',
  label: 'WhatsApp',
  unreachable: 'The delivery provider says this phone number cannot receive WhatsApp messages.',
  identifier: smsChannel.identifier,
  texts: channelTexts('whatsapp'),
  settingsSchema: WhatsappSettingsSchema,
  limitsSchema: WhatsappLimitsSchema,
  templateSchema: WhatsappTemplateSchema,
  format: 'text',
  carriesLinks: false,
  offeredInstead: true,
  sceneDefaults: ['verify-identifier', 'signup', 'login', '2fa', 'step-up', 'password-reset', 'identifier-change'],
  providersVariable: 'TESSERA_WHATSAPP_PROVIDERS',
  defaultProviders(config) {
    if (Array.isArray(config.whatsappProviders)) return config.whatsappProviders
    return [{ type: 'console' }]
  },
  guard: createPhoneGuard('whatsapp'),
} as const satisfies Channel
