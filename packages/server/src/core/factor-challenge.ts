import { DECOY_CHANNEL } from '../channels/built-in-channels.js'
import { AppError, assertThat } from '../errors/app-error.js'
import type { Store } from '../storage/store.js'
import type { VerifierRegistry } from '../verifiers/verifier-registry.js'
import type { App } from './app-service.js'
import type { Clock } from './clock.js'
import { assertUnlocked, loadUserFactor } from './factor-access.js'
import { isTypeAllowed } from './scenes.js'
import type { VerificationView } from './verification.js'
import type { VerificationService } from './verification-service.js'

export interface ChallengeInput {
  readonly scene: string
  readonly factorId?: string | undefined
  readonly type?: string | undefined
  readonly locale?: string | undefined
  readonly clientIp?: string | undefined
}

interface ChallengeDeps {
  readonly store: Store
  readonly clock: Clock
  readonly verifiers: VerifierRegistry
  readonly verifications: VerificationService
}

/**
 * A verification against one of the user's factors (by id, or the latest active one of a type), in a scene
 * that allows its type. Under uniform_responses a missing or disallowed factor looks like any challenge:
 * a decoy stands in, and the event log keeps the truth.
 */
export async function challengeUserFactor(
  deps: ChallengeDeps,
  app: App,
  userId: string,
  input: ChallengeInput,
): Promise<VerificationView> {
  try {
    return await challengeFactor(deps, app, userId, input)
  } catch (error) {
    if (
      app.settings.uniform_responses &&
      error instanceof AppError &&
      (error.code === 'factor_not_found' || error.code === 'factor_not_allowed')
    ) {
      return deps.verifications.startDecoy(app, {
        type: input.type ?? DECOY_CHANNEL,
        scene: input.scene,
        userId,
        reason: error.code,
        clientIp: input.clientIp,
      })
    }
    throw error
  }
}

async function challengeFactor(
  deps: ChallengeDeps,
  app: App,
  userId: string,
  input: ChallengeInput,
): Promise<VerificationView> {
  const { store, verifiers } = deps
  if ((input.factorId === undefined) === (input.type === undefined)) {
    throw new AppError('invalid_request', { message: 'Send exactly one of factor_id and type.' })
  }
  if (input.type !== undefined) {
    if (!verifiers.find(input.type)) {
      throw new AppError('invalid_request', { message: `type must be one of ${verifiers.types().join(', ')}.` })
    }
    if (!isTypeAllowed(app.settings, input.scene, input.type)) {
      throw new AppError('factor_not_allowed', {
        message: `The scene "${input.scene}" does not allow ${input.type}.`,
      })
    }
  }
  const factor =
    input.factorId !== undefined
      ? await loadUserFactor(store, app.id, userId, input.factorId)
      : await store.factors.findLatestActiveByType(app.id, userId, input.type ?? '')
  assertThat(factor && factor.status === 'active', 'factor_not_found', {
    message: 'The user has no active factor of this kind.',
  })
  if (!isTypeAllowed(app.settings, input.scene, factor.type)) {
    throw new AppError('factor_not_allowed', {
      message: `The scene "${input.scene}" does not allow ${factor.type}.`,
    })
  }
  assertUnlocked(factor, deps.clock.nowMs())
  return deps.verifications.startForFactor(app, factor, {
    scene: input.scene,
    purpose: 'verify',
    locale: input.locale,
    clientIp: input.clientIp,
  })
}

/**
 * A challenge of a `discoverable` type without a user (a passkey's usernameless sign-in): the scene must allow the
 * type; the check finds the factor by the credential the answer names.
 */
export async function challengeWithoutUser(
  deps: ChallengeDeps,
  app: App,
  input: { scene: string; type: string; locale?: string | undefined; clientIp?: string | undefined },
): Promise<VerificationView> {
  const discoverable = deps.verifiers.discoverableTypes()
  if (!discoverable.includes(input.type)) {
    throw new AppError('invalid_request', {
      message:
        discoverable.length === 0
          ? 'No verification type takes challenges without a user.'
          : `type must be one of ${discoverable.join(', ')} for a challenge without a user.`,
    })
  }
  if (!isTypeAllowed(app.settings, input.scene, input.type)) {
    throw new AppError('factor_not_allowed', { message: `The scene "${input.scene}" does not allow ${input.type}.` })
  }
  return deps.verifications.startWithoutUser(app, {
    type: input.type,
    scene: input.scene,
    locale: input.locale,
    clientIp: input.clientIp,
  })
}
