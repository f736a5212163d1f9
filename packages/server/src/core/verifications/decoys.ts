import { randomBytes } from 'node:crypto'
import { channelNamed, DECOY_CHANNEL } from '../../channels/built-in-channels.js'
import { generateId, hashCode } from '../../crypto/secrets.js'
import type { App } from '../app-service.js'
import { newVerificationRow, toVerificationView, type VerificationView } from '../verification.js'
import { presentChallenge } from './presented-challenge.js'
import type { VerificationContext } from './verification-context.js'
import type { DecoyInput } from './verification-types.js'

export async function startDecoy(ctx: VerificationContext, app: App, input: DecoyInput): Promise<VerificationView> {
  const verifier = ctx.verifiers.find(input.type) ?? ctx.verifiers.get(DECOY_CHANNEL)
  const plan = verifier.challenge({ settings: app.settings, appName: app.name, nowMs: ctx.clock.nowMs() })
  const now = ctx.clock.nowMs()
  const id = generateId('ver', 16, ctx.clock.nowMs())
  // The decoy of this user and type stands in for the missing factor: the same masked recipient every time,
  // and failures that count and lock exactly as a factor's do (so a lock tells nothing either).
  const decoy =
    input.userId === null
      ? undefined
      : await ctx.store.factors.findOrCreateDecoy({
          id: generateId('fac', 16, ctx.clock.nowMs()),
          appId: app.id,
          userId: input.userId,
          type: verifier.type,
          status: 'decoy',
          // A plausible recipient, so the masked `to` looks like a real factor's (never sent to).
          // A ceremony type (a passkey) shows a credential id in its allow list: a made-up one, kept per user.
          identifier: verifier.delivery
            ? decoyIdentifier(verifier.delivery.channel)
            : verifier.present
              ? randomBytes(32).toString('base64url')
              : null,
          label: null,
          material: null,
          lastCounter: null,
          failureCount: 0,
          guessesInFlight: 0,
          flaggedAt: null,
          flagReason: null,
          lockCount: 0,
          lockedUntil: null,
          createdAt: now,
          updatedAt: now,
          lastUsedAt: null,
        })
  // A locked factor refuses new challenges: so does a locked decoy.
  if (decoy?.lockedUntil != null && Number(decoy.lockedUntil) > now) {
    throw ctx.guesses.lockedError(Number(decoy.lockedUntil), now)
  }
  const row = newVerificationRow({
    id,
    appId: app.id,
    type: verifier.type,
    plan,
    // A random code nobody was sent; a decoy is never judged right anyway.
    codeHash: hashCode(ctx.serverKeys, id, generateId('decoy', 16, ctx.clock.nowMs())),
    sendsCode: plan.code !== undefined,
    identifier: decoy?.identifier ?? (verifier.delivery ? decoyIdentifier(verifier.delivery.channel) : ''),
    scene: input.scene,
    userId: input.userId,
    factorId: decoy?.id ?? generateId('fac', 16, ctx.clock.nowMs()),
    purpose: 'decoy',
    clientIp: input.clientIp,
    now,
  })
  // A ceremony's options, as a real challenge's would be (allowing the decoy's made-up credential).
  const reveal = await presentChallenge(
    ctx,
    app,
    verifier,
    { code: plan.code, purpose: 'verify', userId: input.userId, factorId: null, ttlSeconds: plan.ttlSeconds, decoy },
    now,
  )
  await ctx.store.verifications.insert(row)
  await ctx.events.record({
    appId: app.id,
    kind: 'challenge.suppressed',
    verificationId: id,
    clientIp: input.clientIp,
    details: { type: verifier.type, user_id: input.userId, reason: input.reason },
  })
  await ctx.delayLikeDelivery(verifier.delivery?.channel)
  return toVerificationView(row, verifier, now, reveal && { reveal })
}

/** A made-up recipient for a decoy challenge: shaped like a real one once masked (never sent to). */
function decoyIdentifier(channel: string): string {
  return channelNamed(channel).identifier.decoy()
}
