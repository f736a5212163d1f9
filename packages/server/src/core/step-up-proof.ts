import { AppError } from '../errors/app-error.js'
import type { TokenService } from './token-service.js'

const STEP_UP_SCENE = 'step-up'

/**
 * The proof that removing or replacing a factor needs: an active step-up token of this user that proves one
 * of their own factors (it names one), used up here. Anything else is 403 forbidden.
 */
export async function consumeStepUp(
  tokens: TokenService,
  appId: string,
  userId: string,
  token: string | undefined,
  what: string,
): Promise<void> {
  if (token === undefined) {
    throw new AppError('forbidden', {
      message: `${what} needs a step-up verification token of this user in X-Verification-Token.`,
    })
  }
  const seen = await tokens.introspect(appId, token, { scene: STEP_UP_SCENE, consume: false })
  if (!seen.active || seen.userId !== userId || seen.factorId === null) {
    throw new AppError('forbidden', {
      message: 'The X-Verification-Token is not an active step-up token from one of this user’s factors.',
    })
  }
  const consumed = await tokens.introspect(appId, token, { scene: STEP_UP_SCENE, consume: true })
  if (!consumed.active) throw new AppError('forbidden', { message: 'The X-Verification-Token was already used.' })
}
