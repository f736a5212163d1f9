import { Type } from '@sinclair/typebox'
import { generateCode } from '../../crypto/secrets.js'
import { normalizeCodeInput } from '../delivered-code.js'
import { defineVerifier } from '../verifier.js'

export const BACKUP_CODE_COUNT = 10
export const BACKUP_CODE_LENGTH = 10

/**
 * Ten single-use recovery codes of ten characters from the unambiguous
 * alphabet (about 49 bits each), shown once and stored as HMACs. Binding again
 * replaces the whole set.
 */
export const backupCodeVerifier = defineVerifier({
  type: 'backup-code',
  replacementNeedsStepUp: true,
  revealFields: { codes: Type.Array(Type.String()) },
  viewFields: { backup_codes_remaining: Type.Integer() },
  checkFields: { backup_codes_remaining: Type.Integer() },
  sceneDefaults: ['login', '2fa', 'step-up', 'password-reset', 'identifier-change'],
  async bind() {
    const codes = Array.from({ length: BACKUP_CODE_COUNT }, () => generateCode(BACKUP_CODE_LENGTH, 'alphanumeric'))
    // Shown grouped for reading (ABCDE-FGHJK); typing either form works.
    const shown = codes.map((code) => `${code.slice(0, 5)}-${code.slice(5)}`)
    return { status: 'active', oneTimeCodes: codes, reveal: { codes: shown }, replacesOthers: true }
  },
  challenge: (ctx) => ({
    ttlSeconds: ctx.settings.challenge.ttl_seconds,
    maxAttempts: ctx.settings.challenge.max_attempts,
  }),
  async check(attempt, ctx) {
    if (!attempt.factor) throw new Error('backup-code check without a factor')
    const code = normalizeCodeInput(attempt.answer)
    if (code.length !== BACKUP_CODE_LENGTH) return { ok: false, reason: 'mismatch' }
    // Consuming is the comparison: one conditional update on the code's keyed hash, so a code works once, also in parallel.
    if (!(await ctx.consumeCode(attempt.factor.id, ctx.hashFactorCode(attempt.factor.id, code)))) {
      return { ok: false, reason: 'mismatch' }
    }
    return { ok: true, details: { backup_codes_remaining: await ctx.countUnusedCodes(attempt.factor.id) } }
  },
  describe: async (factor, ctx) => ({ backup_codes_remaining: await ctx.countUnusedCodes(factor.id) }),
})
