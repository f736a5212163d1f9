import { invalidPhoneNumber, maskPhoneNumber, normalizePhoneNumber } from '../../identifiers/phone-number.js'
import { checkDeliveredCode, deliveredCodeBindFields, deliveredCodePlan } from '../delivered-code.js'
import { defineVerifier } from '../verifier.js'

/** One-time codes by SMS: a factor is a confirmed phone number, activated by its first code. */
export const smsVerifier = defineVerifier({
  type: 'sms',
  delivery: { channel: 'sms', normalizeIdentifier: normalizePhoneNumber, maskIdentifier: maskPhoneNumber },
  bindFields: deliveredCodeBindFields,
  sceneDefaults: ['verify-identifier', 'signup', 'login', '2fa', 'step-up', 'password-reset', 'identifier-change'],
  async bind(request) {
    const identifier = request.fields.to === undefined ? undefined : normalizePhoneNumber(request.fields.to)
    if (identifier === undefined) throw invalidPhoneNumber()
    return { status: 'pending', identifier }
  },
  challenge: (ctx) => deliveredCodePlan(ctx.settings.channels.sms),
  check: checkDeliveredCode,
})
