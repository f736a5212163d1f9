import { channelNamed } from '../../channels/built-in-channels.js'
import { AppError } from '../../errors/app-error.js'
import { codeFormatOf, fitsCodeFormat } from '../../settings/code-format.js'
import type { FactorRow } from '../../storage/database.js'
import { normalizeCodeInput } from '../../verifiers/delivered-code.js'
import type { App } from '../app-service.js'
import { isTypeAllowed, requiresOwnFactor } from '../scenes.js'
import type { VerificationView } from '../verification.js'
import { createVerification } from './create-verification.js'
import type { VerificationContext } from './verification-context.js'
import type { FactorVerificationInput, StartVerificationInput } from './verification-types.js'
import { DEFAULT_SCENE } from './verification-types.js'

const CUSTOM_CODE = /^[A-Za-z0-9]{4,10}$/

export async function startVerification(
  ctx: VerificationContext,
  app: App,
  input: StartVerificationInput,
): Promise<VerificationView> {
  const scene = input.scene ?? DEFAULT_SCENE
  const own = await ownFactorOf(ctx, app, scene, input)
  const type = own?.type ?? input.channel
  const verifier = type === undefined ? undefined : ctx.verifiers.find(type)
  if (!verifier?.delivery) {
    throw new AppError('channel_not_enabled', {
      message:
        own === undefined
          ? `No verifier named "${type ?? ''}" sends codes.`
          : `A ${own.type} factor sends no code: challenge it with POST /v1/users/{user_id}/challenges.`,
    })
  }
  const channel = verifier.delivery.channel
  if (!app.settings.channels[channel].enabled) {
    throw new AppError('channel_not_enabled', { message: `The ${channel} channel is disabled for this app.` })
  }
  // Whether a provider can carry it is asked once the identifier is known (createVerification): a test
  // recipient needs none.
  if (!isTypeAllowed(app.settings, scene, verifier.type)) {
    throw new AppError('factor_not_allowed', { message: `The scene "${scene}" does not allow ${verifier.type}.` })
  }
  const identifier = own?.identifier ?? verifier.delivery.normalizeIdentifier(input.to ?? '')
  if (identifier === undefined || identifier === null) {
    throw channelNamed(channel).identifier.invalid()
  }
  return createVerification(ctx, app, verifier, {
    identifier,
    scene,
    userId: input.userId ?? null,
    factorId: own?.id ?? null,
    purpose: 'verify',
    locale: input.locale,
    clientIp: input.clientIp,
    metadata: input.metadata,
    customCode: validCustomCode(app, channel, input.customCode),
    link: input.link,
    message: input.message,
  })
}

export async function startForFactor(
  ctx: VerificationContext,
  app: App,
  factor: FactorRow,
  input: FactorVerificationInput,
): Promise<VerificationView> {
  const verifier = ctx.verifiers.get(factor.type)
  if (verifier.delivery && !app.settings.channels[verifier.delivery.channel].enabled) {
    throw new AppError('channel_not_enabled', {
      message: `The ${verifier.delivery.channel} channel is disabled for this app.`,
    })
  }
  return createVerification(ctx, app, verifier, {
    identifier: factor.identifier ?? '',
    scene: input.scene,
    userId: factor.userId,
    factorId: factor.id,
    purpose: input.purpose,
    locale: input.locale,
    clientIp: input.clientIp,
  })
}

/**
 * The user's own active factor this start must use: named by `factorId`, or — in a scene that requires one
 * (2fa, step-up, `require_factor`) — the one whose phone or email is `to`. Undefined when the start proves
 * an identifier only. Anything else is `factor_not_allowed`: an inbox or phone the user never bound proves
 * nothing about the user.
 */
export async function ownFactorOf(
  ctx: VerificationContext,
  app: App,
  scene: string,
  input: StartVerificationInput,
): Promise<FactorRow | undefined> {
  const needsFactor = input.userId !== undefined && requiresOwnFactor(app.settings, scene)
  if (input.factorId === undefined && !needsFactor) return undefined
  if (input.userId === undefined) {
    throw new AppError('invalid_request', { message: 'factor_id needs the user_id it belongs to.' })
  }
  const notAllowed = () =>
    new AppError('factor_not_allowed', {
      message: `A verification for a user in the scene "${scene}" must use one of that user’s active factors (factor_id, or a to the user has bound).`,
    })
  const factors = (await ctx.store.factors.listByUser(app.id, input.userId)).filter((f) => f.status === 'active')
  let factor: FactorRow | undefined
  if (input.factorId !== undefined) {
    factor = factors.find((f) => f.id === input.factorId)
    if (factor && input.channel !== undefined && input.channel !== factor.type) throw notAllowed()
  } else {
    const verifier = input.channel === undefined ? undefined : ctx.verifiers.find(input.channel)
    const identifier = verifier?.delivery?.normalizeIdentifier(input.to ?? '')
    if (verifier && identifier !== undefined) {
      // Mailboxes ignore case: Ada@ and ada@ are one inbox, bound once.
      const wanted = identifier.toLowerCase()
      factor = factors.find((f) => f.type === verifier.type && f.identifier?.toLowerCase() === wanted)
    }
  }
  if (!factor) throw notAllowed()
  if (input.factorId !== undefined && input.to !== undefined) {
    const typed = ctx.verifiers.find(factor.type)?.delivery?.normalizeIdentifier(input.to)
    if (typed?.toLowerCase() !== factor.identifier?.toLowerCase()) throw notAllowed()
  }
  const now = ctx.clock.nowMs()
  if (factor.lockedUntil !== null && Number(factor.lockedUntil) > now) {
    throw ctx.guesses.lockedError(Number(factor.lockedUntil), now)
  }
  return factor
}

/** A caller's own code, held to the channel's code_length and alphabet like the codes Tessera makes. */
export function validCustomCode(app: App, channel: string, customCode: string | undefined): string | undefined {
  if (customCode === undefined) return undefined
  if (!app.settings.allow_custom_code) {
    throw new AppError('invalid_request', {
      message: 'custom_code is not allowed for this app (settings.allow_custom_code).',
    })
  }
  const code = normalizeCodeInput(customCode)
  const format = codeFormatOf(app.settings, channel)
  if (!CUSTOM_CODE.test(customCode) || (format !== undefined && !fitsCodeFormat(format, code))) {
    throw new AppError('invalid_request', {
      message:
        format === undefined
          ? 'custom_code must be 4–10 letters or digits.'
          : `custom_code must be ${format.length} ${format.alphabet === 'digits' ? 'digits' : `characters of ${format.characters}`} (settings.channels.${channel}.code_length and code_alphabet).`,
    })
  }
  return code
}
