import { type Algorithm, hash, verify } from '@node-rs/argon2'
import { Type } from '@sinclair/typebox'
import { AppError } from '../../errors/app-error.js'
import { defineVerifier } from '../verifier.js'

/**
 * OWASP Password Storage Cheat Sheet's first argon2id option: 19 MiB, 2
 * iterations, 1 lane. A stored hash with other parameters is rehashed on the
 * next successful check.
 */
export const ARGON2_PARAMETERS = {
  // Algorithm.Argon2id: a const enum, which verbatimModuleSyntax cannot import as a value.
  algorithm: 2 as Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2_PARAMETERS.memoryCost},t=${ARGON2_PARAMETERS.timeCost},p=${ARGON2_PARAMETERS.parallelism}$`

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 256

interface PasswordMaterial {
  readonly hash: string
}

/** Whether a stored hash was made with other parameters than today's. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(CURRENT_PREFIX)
}

/**
 * The hash a decoy's answer is checked against (`judgeDecoy`): argon2id with today's parameters, of a random
 * password that was thrown away when this was made. Fixed, so no decoy pays for making it and none can fail.
 */
export const DECOY_ARGON2ID_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$8U3feoVN0PpyxCQJac+IGw$AstPLXGNIjzWYkYjV/53kaJ0OAX+EyiZB5CcXTpXlZk'

/** A password re-check (step-up, login): the factor holds an argon2id hash, active at once. */
export const passwordVerifier = defineVerifier({
  type: 'password',
  replacementNeedsStepUp: true,
  // The schema's bounds are loose on purpose: bind answers the documented message for a length out of range.
  bindFields: {
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: '8–256 characters.' })),
  },
  sceneDefaults: ['login', 'step-up', 'identifier-change'],
  async bind(request) {
    const password = request.fields.password
    // Length in code points, as NIST SP 800-63B counts characters.
    const length = password === undefined ? 0 : [...password].length
    if (password === undefined || length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
      throw new AppError('invalid_request', {
        message: `password must be ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters.`,
      })
    }
    const material: PasswordMaterial = { hash: await hash(password.normalize('NFKC'), ARGON2_PARAMETERS) }
    return { status: 'active', material: JSON.stringify(material), replacesOthers: true }
  },
  challenge: (ctx) => ({
    ttlSeconds: ctx.settings.challenge.ttl_seconds,
    maxAttempts: ctx.settings.challenge.max_attempts,
  }),
  async check(attempt) {
    if (!attempt.factor?.material) throw new Error('password check without a factor')
    const stored = (JSON.parse(attempt.factor.material) as PasswordMaterial).hash
    const candidate = attempt.answer.normalize('NFKC')
    // The limit counts what was typed, as bind does: NFKC may lengthen a password bind accepted.
    if ([...attempt.answer].length > PASSWORD_MAX_LENGTH || !(await verify(stored, candidate))) {
      return { ok: false, reason: 'mismatch' }
    }
    if (!needsRehash(stored)) return { ok: true }
    const material: PasswordMaterial = { hash: await hash(candidate, ARGON2_PARAMETERS) }
    return { ok: true, material: JSON.stringify(material) }
  },
  // The same argon2id verification as a real check, with the same early refusal of an over-long answer.
  async judgeDecoy(answer) {
    if ([...answer].length > PASSWORD_MAX_LENGTH) return
    await verify(DECOY_ARGON2ID_HASH, answer.normalize('NFKC'))
  },
})
