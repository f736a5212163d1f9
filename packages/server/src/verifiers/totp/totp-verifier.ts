import QRCode from 'qrcode'
import { AppError } from '../../errors/app-error.js'
import { defineVerifier } from '../verifier.js'
import { generateTotpSecret, matchTotpStep, parseBase32Secret, type TotpParameters, totpUri } from './totp.js'

const ALGORITHMS = new Set(['SHA1', 'SHA256', 'SHA512'])

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
  async bind(request, ctx) {
    const policy = ctx.settings.totp
    const imported = request.secret !== undefined
    let secret: string
    if (imported) {
      const parsed = parseBase32Secret(request.secret ?? '')
      if (!parsed) throw new AppError('invalid_request', { message: 'secret must be base32 of at least 80 bits.' })
      secret = parsed
    } else {
      secret = generateTotpSecret()
    }
    const algorithm = (request.algorithm ?? policy.algorithm).toUpperCase()
    if (!ALGORITHMS.has(algorithm)) {
      throw new AppError('invalid_request', { message: 'algorithm must be SHA1, SHA256 or SHA512.' })
    }
    const digits = request.digits ?? policy.digits
    const period = request.period ?? policy.period
    if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
      throw new AppError('invalid_request', { message: 'digits must be 6, 7 or 8.' })
    }
    if (!Number.isInteger(period) || period < 15 || period > 120) {
      throw new AppError('invalid_request', { message: 'period must be 15–120 seconds.' })
    }
    const params: TotpParameters = { secret, algorithm: algorithm as TotpParameters['algorithm'], digits, period }
    const label = request.accountName ?? request.userId
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
    const step = matchTotpStep(params, code, ctx.nowMs, ctx.settings.totp.window)
    if (step === undefined) return { ok: false, reason: 'mismatch' }
    // One conditional update: the step must be newer than the last used one, so a
    // replayed code, or the same code sent twice in parallel, succeeds once.
    if (!(await ctx.claimCounter(attempt.factor.id, step))) return { ok: false, reason: 'replayed' }
    return { ok: true }
  },
})
