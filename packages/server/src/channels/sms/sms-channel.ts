import { randomInt } from 'node:crypto'
import { channelTexts } from '../../i18n/translate.js'
import { invalidPhoneNumber, maskPhoneNumber, normalizePhoneNumber } from '../../identifiers/phone-number.js'
import type { Channel } from '../channel.js'
import { smsDestinationOf } from './sms-destination.js'
import { smsGuard } from './sms-guard.js'
import { SmsLimitsSchema, SmsSettingsSchema, SmsTemplateSchema } from './sms-settings.js'

/** One-time codes by text message to a phone number, with the SMS pumping guard. */
export const smsChannel = {
  name: 'sms',
  label: 'SMS',
  unreachable: 'The delivery provider says this phone number cannot receive SMS.',
  identifier: {
    kind: 'phone',
    input: {
      field: 'phone',
      type: 'tel',
      inputmode: 'tel',
      autocomplete: 'tel-national',
      maxlength: 32,
      verbatim: false,
    },
    normalize: normalizePhoneNumber,
    mask: maskPhoneNumber,
    invalid: invalidPhoneNumber,
    // A North American number, shaped like a real one once masked.
    decoy: () => `+1${Array.from({ length: 10 }, () => String(randomInt(10))).join('')}`,
    region: (phone: string) => smsDestinationOf(phone).country,
  },
  texts: channelTexts('sms'),
  settingsSchema: SmsSettingsSchema,
  limitsSchema: SmsLimitsSchema,
  templateSchema: SmsTemplateSchema,
  format: 'text',
  textMessage: true,
  // A link in a text message is a phishing pattern people are taught to distrust.
  carriesLinks: false,
  sceneDefaults: ['verify-identifier', 'signup', 'login', '2fa', 'step-up', 'password-reset', 'identifier-change'],
  providersVariable: 'TESSERA_SMS_PROVIDERS',
  defaultProviders(config) {
    if (Array.isArray(config.smsProviders)) return config.smsProviders
    if (typeof config.smsWebhookUrl === 'string' && typeof config.smsWebhookSecret === 'string') {
      return [{ type: 'webhook', url: config.smsWebhookUrl, secret: config.smsWebhookSecret }]
    }
    return [{ type: 'console' }]
  },
  guard: smsGuard,
} as const satisfies Channel
