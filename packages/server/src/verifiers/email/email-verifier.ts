import { invalidEmailAddress, maskEmailAddress, normalizeEmailAddress } from '../../identifiers/email-address.js'
import { checkDeliveredCode, deliveredCodeBindFields, deliveredCodePlan } from '../delivered-code.js'
import { defineVerifier } from '../verifier.js'

/** One-time codes by email: a factor is a confirmed address, activated by its first code. */
export const emailVerifier = defineVerifier({
  type: 'email',
  delivery: { channel: 'email', normalizeIdentifier: normalizeEmailAddress, maskIdentifier: maskEmailAddress },
  bindFields: deliveredCodeBindFields,
  sceneDefaults: ['verify-identifier', 'signup', 'login', '2fa', 'step-up', 'password-reset', 'identifier-change'],
  async bind(request) {
    const identifier = request.fields.to === undefined ? undefined : normalizeEmailAddress(request.fields.to)
    if (identifier === undefined) throw invalidEmailAddress()
    return { status: 'pending', identifier }
  },
  challenge: (ctx) => deliveredCodePlan(ctx.settings.channels.email),
  check: checkDeliveredCode,
})
