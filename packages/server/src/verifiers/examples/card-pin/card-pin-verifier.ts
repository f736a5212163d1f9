import { hash, verify } from '@node-rs/argon2'
import { Type } from '@sinclair/typebox'
import { generateCode } from '../../../crypto/secrets.js'
import { AppError } from '../../../errors/app-error.js'
import type { AppSettings } from '../../../settings/app-settings.js'
import { ARGON2_PARAMETERS, DECOY_ARGON2ID_HASH } from '../../password/password-verifier.js'
import { defineVerifier, optionsOf } from '../../verifier.js'

/**
 * docs/extending.md's example, kept as real code: a PIN printed on a card the product hands out. It is not in
 * BUILT_IN_VERIFIERS; `http/routes/factors.extensibility.test.ts` registers it (`extraVerifiers`) and drives it over HTTP.
 */

/** App settings `card-pin.*`: the type's options, composed into the settings schema by the registry. */
const CardPinOptions = Type.Object(
  { digits: Type.Integer({ minimum: 4, maximum: 8, default: 6, description: 'Digits of a card PIN.' }) },
  { additionalProperties: false, default: {} },
)
const cardPinOptions = (settings: AppSettings) => optionsOf(settings, 'card-pin', CardPinOptions)

interface CardPinMaterial {
  readonly hash: string
}

export const cardPinVerifier = defineVerifier({
  type: 'card-pin',
  // A new card replaces the old one, and so needs the same proof as removing it.
  replacementNeedsStepUp: true,
  bindFields: {
    pin: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'the PIN a card already carries.' })),
  },
  revealFields: { pin: Type.String({ description: 'card-pin: the new PIN, shown once for printing.' }) },
  options: CardPinOptions,
  async bind(request, ctx) {
    const { digits } = cardPinOptions(ctx.settings)
    const given = request.fields.pin
    if (given !== undefined && !new RegExp(`^\\d{${digits}}$`).test(given)) {
      throw new AppError('invalid_request', { message: `pin must be ${digits} digits.` })
    }
    // Without a PIN the server makes one (CSPRNG, no modulo bias) and shows it once.
    const pin = given ?? generateCode(digits, 'digits')
    const material: CardPinMaterial = { hash: await hash(pin, ARGON2_PARAMETERS) }
    return {
      status: 'active',
      label: 'card PIN',
      material: JSON.stringify(material),
      ...(given === undefined ? { reveal: { pin } } : {}),
      replacesOthers: true,
    }
  },
  // The app's challenge policy for types that deliver nothing.
  challenge: (ctx) => ({
    ttlSeconds: ctx.settings.challenge.ttl_seconds,
    maxAttempts: ctx.settings.challenge.max_attempts,
  }),
  async check(attempt) {
    if (!attempt.factor?.material) throw new Error('card-pin check without a factor')
    const stored = (JSON.parse(attempt.factor.material) as CardPinMaterial).hash
    // argon2's verify compares in constant time; a wrong PIN is an outcome, never a throw.
    return (await verify(stored, attempt.answer.trim())) ? { ok: true } : { ok: false, reason: 'mismatch' }
  },
  // A user without a PIN (uniform_responses) is answered after the same argon2 work, so timing tells nothing.
  async judgeDecoy(answer) {
    await verify(DECOY_ARGON2ID_HASH, answer.trim())
  },
})
