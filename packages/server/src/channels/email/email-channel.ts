import { randomInt } from 'node:crypto'
import { channelTexts } from '../../i18n/translate.js'
import { invalidEmailAddress, maskEmailAddress, normalizeEmailAddress } from '../../identifiers/email-address.js'
import type { Channel } from '../channel.js'
import { EmailSettingsSchema, EmailTemplateSchema } from './email-settings.js'

const letters = (count: number) =>
  Array.from({ length: count }, () => 'abcdefghijklmnopqrstuvwxyz'[randomInt(26)]).join('')

/** One-time codes (and, on hosted pages, magic links) by email. */
export const emailChannel = {
  name: 'email',
  label: 'Email',
  unreachable: 'The delivery provider says this address cannot receive email.',
  identifier: {
    kind: 'email-address',
    input: { field: 'email', type: 'email', inputmode: 'email', autocomplete: 'email', maxlength: 320, verbatim: true },
    normalize: normalizeEmailAddress,
    mask: maskEmailAddress,
    invalid: invalidEmailAddress,
    decoy: () => `${letters(6)}@${letters(7)}.com`,
  },
  texts: channelTexts('email'),
  settingsSchema: EmailSettingsSchema,
  templateSchema: EmailTemplateSchema,
  format: 'mail',
  carriesLinks: true,
  sceneDefaults: ['verify-identifier', 'signup', 'login', '2fa', 'step-up', 'password-reset', 'identifier-change'],
  providersVariable: 'TESSERA_EMAIL_PROVIDERS',
  defaultProviders(config) {
    if (Array.isArray(config.emailProviders)) return config.emailProviders
    if (typeof config.smtpUrl === 'string' && typeof config.emailFrom === 'string') {
      return [{ type: 'smtp', url: config.smtpUrl, from: config.emailFrom }]
    }
    return [{ type: 'console' }]
  },
} as const satisfies Channel
