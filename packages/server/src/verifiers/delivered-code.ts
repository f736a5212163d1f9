import { Type } from '@sinclair/typebox'
import { constantTimeEqual, generateCode } from '../crypto/secrets.js'
import type { ChannelSettings } from '../settings/app-settings.js'
import type { ChallengePlan, CheckAttempt, CheckContext, CheckOutcome } from './verifier.js'

/** The bind field of every delivered-code type: where the first code goes (declared alike, so they share it). */
export const deliveredCodeBindFields = {
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'the phone or address.' })),
}

/** What a person types: spaces and dashes are formatting, case is not meaningful. */
export function normalizeCodeInput(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase()
}

/** The challenge of a delivered-code type: a fresh code under the channel's policy. */
export function deliveredCodePlan(policy: ChannelSettings): ChallengePlan {
  return {
    ttlSeconds: policy.ttl_seconds,
    maxAttempts: policy.max_attempts,
    maxSends: policy.max_sends,
    resendCooldownSeconds: policy.resend_cooldown_seconds,
    code: generateCode(policy.code_length, policy.code_alphabet),
  }
}

/** Compares a typed code with the verification's stored HMAC, in constant time. */
export async function checkDeliveredCode(attempt: CheckAttempt, ctx: CheckContext): Promise<CheckOutcome> {
  const code = normalizeCodeInput(attempt.answer)
  const matches = code.length > 0 && constantTimeEqual(ctx.hashCode(attempt.verificationId, code), attempt.codeHash)
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' }
}
