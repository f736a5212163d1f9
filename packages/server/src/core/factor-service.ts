import { decryptSecret, encryptSecret, generateId, hmacBase64Url, type ServerKeys } from '../crypto/secrets.js'
import { AppError, assertThat } from '../errors/app-error.js'
import type { FactorRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import type { VerifierRegistry } from '../verifiers/verifier-registry.js'
import type { App } from './app-service.js'
import type { Clock } from './clock.js'
import type { EventLog } from './event-log.js'
import { type FactorView, toFactorView } from './factor.js'
import { assertUnlocked, loadUserFactor } from './factor-access.js'
import { type ChallengeInput, challengeUserFactor, challengeWithoutUser } from './factor-challenge.js'
import { consumeStepUp } from './step-up-proof.js'
import type { TokenService } from './token-service.js'
import type { VerificationView } from './verification.js'
import type { CheckResult, VerificationService } from './verification-service.js'

/** Two binds of a one-per-user type (password, backup codes) at once: the newer stands, the other is told to retry. */
function supersededBind(): AppError {
  return new AppError('rate_limited', {
    message: 'Another bind of this type for this user happened at the same moment and replaced this one; retry.',
    details: { retry_after: 1 },
  })
}
/** Scene of the verification that confirms a new sms/email factor. */
const ACTIVATION_SCENE = 'verify-identifier'

export interface BindFactorInput {
  readonly type: string
  /** The type's own fields (`bindFields`) as the request named them; fields of other types are ignored. */
  readonly fields: Readonly<Record<string, unknown>>
  /** A step-up token of the user: needed when an active factor of this type already exists (a replacement). */
  readonly stepUpToken?: string | undefined
  readonly locale?: string | undefined
  readonly clientIp?: string | undefined
}

export interface BoundFactor {
  readonly factor: FactorView
  /** Shown once: TOTP secret and URI, backup codes. */
  readonly reveal: Readonly<Record<string, unknown>>
  /** The verification that activates a pending factor (a code was sent for sms/email). */
  readonly verification?: VerificationView
}

export type RemovalProof =
  | { readonly kind: 'admin' }
  | { readonly kind: 'step-up-token'; readonly token: string | undefined }

export type { ChallengeInput }

/** A first code, or the fields of a type answered by the device (`answerFields`: a passkey's `credential`). */
export interface ActivationAnswer {
  readonly code?: string | undefined
  readonly fields?: Readonly<Record<string, unknown>> | undefined
}

export interface FactorService {
  bind(app: App, userId: string, input: BindFactorInput): Promise<BoundFactor>
  activate(
    app: App,
    userId: string,
    factorId: string,
    answer: ActivationAnswer,
  ): Promise<{ factor: FactorView; check: CheckResult }>
  list(app: App, userId: string): Promise<FactorView[]>
  /** Renames a factor (a passkey's "Work laptop"): the name the user sees in their list. */
  rename(app: App, userId: string, factorId: string, name: string): Promise<FactorView>
  remove(app: App, userId: string, factorId: string, proof: RemovalProof): Promise<void>
  /**
   * A challenge without a user, for types that take one (`discoverable`: passkeys): the device offers whichever
   * credential it holds, and the check names the user.
   */
  challengeDiscoverable(
    app: App,
    input: { scene: string; type: string; locale?: string | undefined; clientIp?: string | undefined },
  ): Promise<VerificationView>
  challenge(
    app: App,
    userId: string,
    input: {
      scene: string
      factorId?: string | undefined
      type?: string | undefined
      locale?: string | undefined
      clientIp?: string | undefined
    },
  ): Promise<VerificationView>
}

/**
 * The verification management centre: users bind factors (a phone, an
 * authenticator, a password, backup codes), activate them, and prove them in
 * scenes. Checking goes through the one verification check path.
 */
export function createFactorService(deps: {
  store: Store
  clock: Clock
  serverKeys: ServerKeys
  verifiers: VerifierRegistry
  verifications: VerificationService
  tokens: TokenService
  events: EventLog
}): FactorService {
  const { store, clock, verifiers, events } = deps

  const load = (app: App, userId: string, factorId: string) => loadUserFactor(store, app.id, userId, factorId)

  function view(row: FactorRow): FactorView {
    return toFactorView(row, verifiers.find(row.type), clock.nowMs())
  }

  /** The view with the fields its type adds (`describe`: backup codes left). */
  async function described(row: FactorRow): Promise<FactorView> {
    const describe = verifiers.find(row.type)?.describe
    if (!describe) return view(row)
    const details = await describe(
      { id: row.id, material: row.material === null ? null : decryptSecret(deps.serverKeys, row.material) },
      { countUnusedCodes: (factorId) => store.factors.countUnusedCodes(factorId) },
    )
    return Object.assign(view(row), { details })
  }

  return {
    async bind(app, userId, input) {
      const verifier = verifiers.find(input.type)
      if (!verifier) {
        throw new AppError('invalid_request', {
          message: `type must be one of ${verifiers.types().join(', ')}.`,
        })
      }
      if (verifier.delivery && !app.settings.channels[verifier.delivery.channel].enabled) {
        throw new AppError('channel_not_enabled', {
          message: `The ${verifier.delivery.channel} channel is disabled for this app.`,
        })
      }
      // Replacing (or adding to) a proven factor of this type needs the same proof as removing one: otherwise
      // whoever holds a session could swap the password or the authenticator without knowing the old one.
      // A type that signs the user in by itself (a passkey) needs it over any active factor of the user.
      if (
        (verifier.replacementNeedsStepUp || verifier.bindNeedsStepUpOverAnyFactor) &&
        (await store.factors.listByUser(app.id, userId)).some(
          (other) =>
            other.status === 'active' && (verifier.bindNeedsStepUpOverAnyFactor || other.type === verifier.type),
        )
      ) {
        await consumeStepUp(deps.tokens, app.id, userId, input.stepUpToken, 'Replacing a factor')
      }
      const now = clock.nowMs()
      // A type sees only its own fields.
      const fields = Object.fromEntries(
        Object.keys(verifier.bindFields ?? {}).flatMap((name) =>
          input.fields[name] === undefined ? [] : [[name, input.fields[name]]],
        ),
      )
      const result = await verifier.bind({ userId, fields }, { settings: app.settings, appName: app.name, nowMs: now })
      // A type held once (password, backup codes): of concurrent binds the newest stands, so a bind
      // must count as newer than every existing one, also within the same millisecond.
      let createdAt = now
      if (result.replacesOthers) {
        for (const other of await store.factors.listByUser(app.id, userId)) {
          if (other.type === verifier.type) createdAt = Math.max(createdAt, Number(other.createdAt) + 1)
        }
      }
      const row: FactorRow = {
        id: generateId('fac', 16, clock.nowMs()),
        appId: app.id,
        userId,
        type: verifier.type,
        status: result.status,
        identifier: result.identifier ?? null,
        label: result.label ?? null,
        material: result.material === undefined ? null : encryptSecret(deps.serverKeys, result.material),
        lastCounter: null,
        failureCount: 0,
        guessesInFlight: 0,
        flaggedAt: null,
        flagReason: null,
        lockCount: 0,
        lockedUntil: null,
        createdAt,
        updatedAt: now,
        lastUsedAt: null,
      }
      const boundEvent = {
        appId: app.id,
        kind: 'factor.bound' as const,
        identifierMasked: view(row).toMasked ?? undefined,
        clientIp: input.clientIp,
        userId,
        channel: row.type,
        details: { factor_id: row.id, type: row.type, status: row.status },
      }
      // The factor (with its codes) and its factor.bound commit together (the outbox); a type held once
      // writes the event with the replacement below instead, which decides whether this bind stands.
      await store.transaction(async (tx) => {
        await tx.factors.insert(row)
        if (result.oneTimeCodes) {
          await tx.factors.insertCodes(
            row.id,
            result.oneTimeCodes.map((code) => hmacBase64Url(deps.serverKeys.codeHash, `factor:${row.id}:${code}`)),
          )
        }
        if (!result.replacesOthers) await events.recordIn(tx, boundEvent)
      })
      let verification: VerificationView | undefined
      if (result.status === 'pending') {
        try {
          verification = await deps.verifications.startForFactor(app, row, {
            scene: ACTIVATION_SCENE,
            purpose: 'activate',
            locale: input.locale,
            clientIp: input.clientIp,
          })
        } catch (error) {
          // No code went out: the factor was never bound (its factor.bound is followed by its removal).
          await store.transaction(async (tx) => {
            if (!(await tx.factors.delete(app.id, userId, row.id)) || result.replacesOthers) return
            await events.recordIn(tx, {
              ...boundEvent,
              kind: 'factor.removed',
              details: { factor_id: row.id, type: row.type, by: 'system', reason: 'activation_not_sent' },
            })
          })
          throw error
        }
      }
      // Replace the old set only once the new one exists; of concurrent binds the newest stands.
      if (result.replacesOthers) {
        const stands = await store.transaction(async (tx) => {
          if (!(await tx.factors.deleteOthersOfType(app.id, userId, row.type, row.id))) return false
          await events.recordIn(tx, boundEvent)
          return true
        })
        if (!stands) throw supersededBind()
      }
      return {
        factor: await described(row),
        // A ceremony's options (a passkey's creation options) come with the activating verification.
        reveal: { ...result.reveal, ...verification?.reveal },
        ...(verification ? { verification } : {}),
      }
    },

    async activate(app, userId, factorId, answer) {
      const factor = await load(app, userId, factorId)
      if (factor.status === 'active') {
        throw new AppError('verification_not_pending', {
          message: 'The factor is already active.',
          details: { status: 'active' },
        })
      }
      assertUnlocked(factor, clock.nowMs())
      let verification = await store.verifications.findLatestForFactor(app.id, factor.id, 'activate')
      const verifier = verifiers.get(factor.type)
      const now = clock.nowMs()
      const usable = verification && verification.status === 'pending' && Number(verification.expiresAt) > now
      // A ceremony (a passkey) signed the options of its own verification: a new round could not check it.
      if (!usable && !verifier.delivery && !verifier.present) {
        // An authenticator can always be confirmed with a fresh code: open a new activation round
        // (the factor's lockout still counts failures across rounds).
        verification = undefined
        const started = await deps.verifications.startForFactor(app, factor, {
          scene: ACTIVATION_SCENE,
          purpose: 'activate',
        })
        verification = await store.verifications.findById(app.id, started.id)
      }
      assertThat(verification, 'verification_not_found', {
        message: 'No activation is open for this factor; bind it again.',
      })
      const check = await deps.verifications.check(app, {
        verificationId: verification.id,
        code: answer.code,
        fields: answer.fields,
      })
      await events.record({
        appId: app.id,
        kind: 'factor.activated',
        details: { factor_id: factor.id, user_id: userId, type: factor.type },
      })
      return { factor: view({ ...factor, status: 'active', lastUsedAt: now }), check }
    },

    async list(app, userId) {
      const rows = await store.factors.listByUser(app.id, userId)
      return Promise.all(rows.map(described))
    },

    async rename(app, userId, factorId, name) {
      const factor = await load(app, userId, factorId)
      assertThat(await store.factors.rename(app.id, userId, factor.id, name, clock.nowMs()), 'factor_not_found')
      return described({ ...factor, label: name })
    },

    async remove(app, userId, factorId, proof) {
      const factor = await load(app, userId, factorId)
      if (proof.kind === 'step-up-token')
        await consumeStepUp(deps.tokens, app.id, userId, proof.token, 'Removing a factor')
      // The removal and its event commit together (the outbox).
      const removed = await store.transaction(async (tx) => {
        if (!(await tx.factors.delete(app.id, userId, factor.id))) return false
        await events.recordIn(tx, {
          appId: app.id,
          kind: 'factor.removed',
          identifierMasked: view(factor).toMasked ?? undefined,
          userId,
          details: { factor_id: factor.id, type: factor.type, by: proof.kind === 'admin' ? 'admin' : 'user' },
        })
        return true
      })
      assertThat(removed, 'factor_not_found')
    },

    challenge: (app, userId, input) => challengeUserFactor(deps, app, userId, input),
    challengeDiscoverable: (app, input) => challengeWithoutUser(deps, app, input),
  }
}
