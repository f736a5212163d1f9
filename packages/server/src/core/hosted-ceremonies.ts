import { decryptSecret, type ServerKeys } from '../crypto/secrets.js'
import { AppError, assertThat } from '../errors/app-error.js'
import type { Store } from '../storage/store.js'
import type { VerifierRegistry } from '../verifiers/verifier-registry.js'
import type { Clock } from './clock.js'
import type { FactorService } from './factor-service.js'
import type { Completion, HostedSession, HostedSessionService } from './hosted-session.js'
import { isTypeAllowed } from './scenes.js'
import type { VerificationView } from './verification.js'
import type { VerificationService } from './verification-service.js'

/**
 * The hosted pages' ceremonies (a passkey's sign-in or enrolment) and the enrolment's step-up: the part of a
 * hosted session that runs a type's own browser ceremony rather than a code sent to a channel.
 */
export function hostedCeremonies(
  deps: {
    store: Store
    clock: Clock
    verifications: VerificationService
    serverKeys: ServerKeys
    verifiers: VerifierRegistry
    factors: FactorService
  },
  flow: {
    /** Refuses a session that is complete or expired. */
    assertOpen(session: HostedSession): void
    /** Finishes the session with its token: the redirect back to the app. */
    complete(session: HostedSession, token: { token: string; expiresIn: number }): Promise<Completion>
    /** Enrolment: keeps the step-up token for the bind and goes on to the enrolment step. */
    keepStepUp(session: HostedSession, token: string): Promise<Completion>
  },
): Pick<HostedSessionService, 'startCeremony' | 'checkCeremony' | 'stepUpChoices' | 'startStepUpCode'> {
  const { store, clock, verifications } = deps
  const { assertOpen, complete, keepStepUp } = flow
  return {
    async startCeremony(session, input) {
      assertOpen(session)
      const type = session.ceremonies[0]
      if (type === undefined) throw new AppError('channel_not_enabled', { message: 'This session offers no ceremony.' })
      let view: VerificationView
      let kind: 'create' | 'get' = 'get'
      if (session.purpose === 'enroll' && session.userId !== null) {
        if (await needsStepUp(session)) {
          view = await deps.factors.challenge(session.app, session.userId, {
            scene: 'step-up',
            type,
            clientIp: input.clientIp,
          })
        } else {
          const sealed = (await store.hostedSessions.findById(session.id))?.sealedStepUp ?? null
          const stepUpToken = sealed === null ? undefined : decryptSecret(deps.serverKeys, sealed)
          // The bind spends the step-up token: a ceremony abandoned after this needs a new step-up.
          if (sealed !== null) await store.hostedSessions.setStepUp(session.id, null, clock.nowMs())
          const bound = await deps.factors.bind(session.app, session.userId, {
            type,
            fields: {},
            stepUpToken,
            clientIp: input.clientIp,
          })
          if (!bound.verification) throw new Error('a ceremony bind without its activation')
          view = Object.assign({}, bound.verification, { reveal: bound.reveal })
          kind = 'create'
        }
      } else if (session.userId !== null) {
        view = await deps.factors.challenge(session.app, session.userId, {
          scene: session.scene,
          type,
          clientIp: input.clientIp,
        })
      } else {
        view = await deps.factors.challengeDiscoverable(session.app, {
          scene: session.scene,
          type,
          clientIp: input.clientIp,
        })
      }
      await store.hostedSessions.attachVerification(session.id, {
        verificationId: view.id,
        channel: type,
        linkHash: null,
        now: clock.nowMs(),
      })
      return { verificationId: view.id, kind, options: view.reveal?.options }
    },

    async checkCeremony(session, fields) {
      assertOpen(session)
      const verificationId = session.verificationId
      assertThat(
        verificationId !== null && session.channel !== null && session.ceremonies.includes(session.channel),
        'verification_not_found',
        {
          message: 'No ceremony is in flight for this session.',
        },
      )
      const result = await verifications.check(session.app, { verificationId, fields })
      if (result.purpose === 'activate') {
        // The new factor is active: the session is done; the redirect names it.
        await store.hostedSessions.complete(session.id, clock.nowMs())
        const target = new URL(session.redirectUrl)
        if (result.factorId !== null) target.searchParams.set('factor_id', result.factorId)
        if (session.state !== null) target.searchParams.set('state', session.state)
        target.searchParams.set('session_id', session.id)
        return { redirectTo: target.toString() }
      }
      if (!result.token) throw new Error('hosted verification approved without a token')
      if (session.purpose === 'enroll') return keepStepUp(session, result.token.token)
      return complete(session, result.token)
    },

    async stepUpChoices(session) {
      if (session.userId === null) return { required: false, ceremony: false, codes: [] }
      const active = (await store.factors.listByUser(session.app.id, session.userId)).filter(
        (factor) => factor.status === 'active',
      )
      const codes = active.flatMap((factor) => {
        const verifier = deps.verifiers.find(factor.type)
        if (!verifier?.delivery || factor.identifier === null) return []
        if (!isTypeAllowed(session.app.settings, 'step-up', factor.type)) return []
        return [
          {
            factorId: factor.id,
            channel: verifier.delivery.channel,
            toMasked: verifier.delivery.maskIdentifier(factor.identifier),
          },
        ]
      })
      return {
        required: active.length > 0,
        ceremony: active.some((factor) => session.ceremonies.includes(factor.type)),
        codes,
      }
    },

    async startStepUpCode(session, factorId, clientIp) {
      assertOpen(session)
      assertThat(session.purpose === 'enroll' && session.userId !== null, 'verification_not_found')
      const view = await deps.factors.challenge(session.app, session.userId, { scene: 'step-up', factorId, clientIp })
      await store.hostedSessions.attachVerification(session.id, {
        verificationId: view.id,
        channel: view.channel,
        linkHash: null,
        now: clock.nowMs(),
      })
      return view
    },
  }

  /** Enrolment needs a step-up while the user holds any active factor and the page has not earned one yet. */
  async function needsStepUp(session: HostedSession): Promise<boolean> {
    if (session.steppedUp || session.userId === null) return false
    const factors = await store.factors.listByUser(session.app.id, session.userId)
    return factors.some((factor) => factor.status === 'active')
  }
}
