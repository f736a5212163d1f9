import { invalidPhoneNumber, maskPhoneNumber, normalizePhoneNumber } from '../../identifiers/phone-number.js'
import { checkDeliveredCode, deliveredCodePlan } from '../delivered-code.js'
import { defineVerifier } from '../verifier.js'

/** One-time codes by SMS: a factor is a confirmed phone number, activated by its first code. */
export const smsVerifier = defineVerifier({
  type: 'sms',
  delivery: { channel: 'sms', normalizeIdentifier: normalizePhoneNumber, maskIdentifier: maskPhoneNumber },
  async bind(request) {
    const identifier = request.to === undefined ? undefined : normalizePhoneNumber(request.to)
    if (identifier === undefined) throw invalidPhoneNumber()
    return { status: 'pending', identifier }
  },
  challenge: (ctx) => deliveredCodePlan(ctx.settings.channels.sms),
  check: checkDeliveredCode,
})
