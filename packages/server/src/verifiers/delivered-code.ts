import { Type } from '@sinclair/typebox'
import type { Channel } from '../channels/channel.js'
import { channelPolicy } from '../channels/channel-policy.js'
import { constantTimeEqual, generateCode } from '../crypto/secrets.js'
import type { ChannelName, ChannelSettings } from '../settings/app-settings.js'
import {
  type ChallengePlan,
  type CheckAttempt,
  type CheckContext,
  type CheckOutcome,
  defineVerifier,
  type Verifier,
} from './verifier.js'

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

/**
 * The verification type of one-time codes over a channel, named as the channel: a factor is a confirmed
 * phone or address, activated by its first code. Every channel gets one (built-in-verifiers.ts), so a new
 * channel needs no type folder of its own.
 */
export function deliveredCodeVerifier(channel: Channel): Verifier {
  return defineVerifier({
    type: channel.name,
    delivery: {
      // Registered channels only reach here (built-in-verifiers.ts): the name is one of ChannelName.
      channel: channel.name as ChannelName,
      normalizeIdentifier: channel.identifier.normalize,
      maskIdentifier: channel.identifier.mask,
    },
    bindFields: deliveredCodeBindFields,
    sceneDefaults: channel.sceneDefaults,
    async bind(request) {
      const identifier = request.fields.to === undefined ? undefined : channel.identifier.normalize(request.fields.to)
      if (identifier === undefined) throw channel.identifier.invalid()
      return { status: 'pending', identifier }
    },
    challenge: (ctx) => deliveredCodePlan(channelPolicy(ctx.settings, channel.name) as unknown as ChannelSettings),
    check: checkDeliveredCode,
  })
}
