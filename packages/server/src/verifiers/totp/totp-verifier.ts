import { Type } from '@sinclair/typebox'
import QRCode from 'qrcode'
import { AppError } from '../../errors/app-error.js'
import type { AppSettings } from '../../settings/app-settings.js'
import { defineVerifier, optionsOf } from '../verifier.js'
import { generateTotpSecret, matchTotpStep, parseBase32Secret, type TotpParameters, totpUri } from './totp.js'

const ALGORITHMS = new Set(['SHA1', 'SHA256', 'SHA512'])
const Algorithm = Type.Union([Type.Literal('SHA1'), Type.Literal('SHA256'), Type.Literal('SHA512')])

/** App settings `totp.*`: the parameters of new authenticators and the clock drift a check forgives. */
const TotpOptions = Type.Object(
  {
    algorithm: Type.Union([Type.Literal('SHA1'), Type.Literal('SHA256'), Type.Literal('SHA512')], {
      default: 'SHA1',
    }),
    digits: Type.Integer({ minimum: 6, maximum: 8, default: 6 }),
    period: Type.Integer({ minimum: 15, maximum: 120, default: 30, description: 'Seconds per TOTP step.' }),
    window: Type.Integer({ minimum: 0, maximum: 2, default: 1, description: 'Steps accepted either side of now.' }),
  },
  { additionalProperties: false, default: {} },
)
const totpOptions = (settings: AppSettings) => optionsOf(settings, 'totp', TotpOptions)

function parseMaterial(material: string | null): TotpParameters {
  if (material === null) throw new Error('TOTP factor without material')
  return JSON.parse(material) as TotpParameters
}

/**
 * Authenticator apps (RFC 6238). Binding answers the secret, the otpauth URI
 * and a QR code, and the factor stays pending until a first code checks. An
 * imported secret (migration from another system) is active at once.
 */
export const totpVerifier = defineVerifier({
  type: 'totp',
  replacementNeedsStepUp: true,
  bindFields: {
    account_name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'the label in the authenticator.' }),
    ),
    secret: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 160,
        description: 'an existing base32 secret to import (active at once).',
      }),
    ),
    algorithm: Type.Optional(Algorithm),
    digits: Type.Optional(Type.Integer({ minimum: 6, maximum: 8 })),
    period: Type.Optional(Type.Integer({ minimum: 15, maximum: 120 })),
  },
  revealFields: {
    secret: Type.String(),
    otpauth_uri: Type.String(),
    qr_svg: Type.String(),
    algorithm: Type.String(),
    digits: Type.Integer(),
    period: Type.Integer(),
  },
  options: TotpOptions,
  sceneDefaults: ['login', '2fa', 'step-up', 'password-reset', 'identifier-change'],
  async bind(request, ctx) {
    const policy = totpOptions(ctx.settings)
    const fields = request.fields
    const imported = fields.secret !== undefined
    let secret: string
    if (imported) {
      const parsed = parseBase32Secret(fields.secret ?? '')
      if (!parsed) throw new AppError('invalid_request', { message: 'secret must be base32 of at least 80 bits.' })
      secret = parsed
    } else {
      secret = generateTotpSecret()
    }
    const algorithm = (fields.algorithm ?? policy.algorithm).toUpperCase()
    if (!ALGORITHMS.has(algorithm)) {
      throw new AppError('invalid_request', { message: 'algorithm must be SHA1, SHA256 or SHA512.' })
    }
    const digits = fields.digits ?? policy.digits
    const period = fields.period ?? policy.period
    if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
      throw new AppError('invalid_request', { message: 'digits must be 6, 7 or 8.' })
    }
    if (!Number.isInteger(period) || period < 15 || period > 120) {
      throw new AppError('invalid_request', { message: 'period must be 15–120 seconds.' })
    }
    const params: TotpParameters = { secret, algorithm: algorithm as TotpParameters['algorithm'], digits, period }
    const label = fields.account_name ?? request.userId
    const uri = totpUri(params, ctx.appName, label)
    return {
      status: imported ? 'active' : 'pending',
      label,
      material: JSON.stringify(params),
      reveal: imported
        ? { algorithm, digits, period }
        : {
            secret,
            otpauth_uri: uri,
            qr_svg: await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
            algorithm,
            digits,
            period,
          },
    }
  },
  challenge: (ctx) => ({
    ttlSeconds: ctx.settings.challenge.ttl_seconds,
    maxAttempts: ctx.settings.challenge.max_attempts,
  }),
  async check(attempt, ctx) {
    if (!attempt.factor) throw new Error('TOTP check without a factor')
    const params = parseMaterial(attempt.factor.material)
    const code = attempt.answer.replace(/\s/g, '')
    const step = matchTotpStep(params, code, ctx.nowMs, totpOptions(ctx.settings).window)
    if (step === undefined) return { ok: false, reason: 'mismatch' }
    // One conditional update: the step must be newer than the last used one, so a
    // replayed code, or the same code sent twice in parallel, succeeds once.
    if (!(await ctx.claimCounter(attempt.factor.id, step))) return { ok: false, reason: 'replayed' }
    return { ok: true }
  },
})
