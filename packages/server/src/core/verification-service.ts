import { randomInt } from 'node:crypto'
import type { Logger } from 'pino'
import {
  decryptSecret,
  encryptSecret,
  generateId,
  hashCode,
  hmacBase64Url,
  type ServerKeys,
} from '../crypto/secrets.js'
import type { DeliveryChannel } from '../delivery/delivery-provider.js'
import { AppError, assertThat } from '../errors/app-error.js'
import { codeFormatOf, fitsCodeFormat } from '../settings/code-format.js'
import type { FactorRow, VerificationPurpose, VerificationRow } from '../storage/database.js'
import type { Store, VerificationFilter } from '../storage/store.js'
import { normalizeCodeInput } from '../verifiers/delivered-code.js'
import type { CheckContext, CheckOutcome, Verifier } from '../verifiers/verifier.js'
import type { VerifierRegistry } from '../verifiers/verifier-registry.js'
import type { App } from './app-service.js'
import type { Clock } from './clock.js'
import type { EventLog } from './event-log.js'
import { createGuessBudget } from './guess-budget.js'
import { rateLimitedError } from './limit-error.js'
import type { MessageDelivery } from './message-delivery.js'
import type { Bucket, RateLimiter } from './rate-limiter.js'
import { isTypeAllowed, requiresOwnFactor, tokenTtlSeconds } from './scenes.js'
import { conversionBuckets, sendBuckets } from './send-limits.js'
import { judgeSmsDestination, type SmsDestination, smsDestinationOf } from './sms-guard.js'
import type { TokenService } from './token-service.js'
import { effectiveStatus, newVerificationRow, toVerificationView, type VerificationView } from './verification.js'

export const DEFAULT_SCENE = 'verify-identifier'

export interface StartVerificationInput {
  /** A delivered-code type: `sms`, `email`; may be left out when `factorId` names the factor. */
  readonly channel?: string | undefined
  /** The identifier; may be left out when `factorId` names the factor. */
  readonly to?: string | undefined
  /** One of the user's own active factors to verify (its phone or email). */
  readonly factorId?: string | undefined
  readonly scene?: string | undefined
  readonly locale?: string | undefined
  readonly userId?: string | undefined
  readonly clientIp?: string | undefined
  readonly customCode?: string | undefined
  readonly metadata?: Record<string, unknown> | undefined
  /** A magic link for the email (hosted flow); its secret is the caller's to keep hashed. */
  readonly link?: string | undefined
}

export interface FactorVerificationInput {
  readonly scene: string
  readonly purpose: VerificationPurpose
  readonly locale?: string | undefined
  readonly clientIp?: string | undefined
}

export interface CheckResult {
  readonly verificationId: string
  readonly scene: string
  readonly purpose: VerificationPurpose
  readonly factorId: string | null
  /** Present for `verify` verifications: the proof for the host app. */
  readonly token?: { readonly token: string; readonly expiresIn: number }
  /** Facts from the verifier, e.g. `backup_codes_remaining`. */
  readonly details?: Readonly<Record<string, number>>
}

export interface VerificationService {
  start(app: App, input: StartVerificationInput): Promise<VerificationView>
  /** A verification proving a bound factor: a challenge, or the activation of a new factor. */
  startForFactor(app: App, factor: FactorRow, input: FactorVerificationInput): Promise<VerificationView>
  /**
   * Under uniform_responses: a verification that looks like any other but was
   * never sent and can never be approved (a refused send, a missing factor).
   */
  startDecoy(
    app: App,
    input: { type: string; scene: string; userId: string | null; reason: string; clientIp?: string | undefined },
  ): Promise<VerificationView>
  resend(
    app: App,
    verificationId: string,
    input: { customCode?: string | undefined; link?: string | undefined },
  ): Promise<VerificationView>
  check(app: App, input: { verificationId: string; code: string }): Promise<CheckResult>
  /**
   * Approves a pending `verify` verification without a code: the caller has
   * proved possession another way (the hosted flow's single-use magic link,
   * whose secret only the email carried). Issues the token as check() does.
   */
  approveByLink(app: App, verificationId: string): Promise<CheckResult>
  get(app: App, verificationId: string): Promise<VerificationView>
  cancel(app: App, verificationId: string): Promise<VerificationView>
  /** Operators' search (the console), newest first, masked like every other view. */
  search(appId: string, filter: Omit<VerificationFilter, 'now'>): Promise<VerificationView[]>
  /** Newest first, for operators: masked like every other view. */
  listRecent(appId: string, options: { limit: number; before?: number | undefined }): Promise<VerificationView[]>
}

const CUSTOM_CODE = /^[A-Za-z0-9]{4,10}$/

/**
 * Start, resend, check, read and cancel verifications of every type. State
 * changes are single conditional updates in the store; the verifier of the
 * row's type decides whether an answer is right; this service counts
 * attempts, locks factors and maps outcomes to the contract.
 */
export function createVerificationService(deps: {
  store: Store
  clock: Clock
  serverKeys: ServerKeys
  verifiers: VerifierRegistry
  messages: MessageDelivery
  tokens: TokenService
  events: EventLog
  logger: Logger
  limits: RateLimiter
}): VerificationService {
  const { store, clock, verifiers, events, serverKeys, limits } = deps
  const guesses = createGuessBudget({ store, limits, events, maskOf })
  /** Recent delivery time per channel (moving average), so a decoy answers about as fast as a real send. */
  const deliveryMs = new Map<DeliveryChannel, number>()

  type Admission =
    | { readonly admitted: true; readonly buckets: Bucket[]; readonly sms?: SmsDestination | undefined }
    | { readonly admitted: false; readonly error: AppError; readonly reason: string }

  /**
   * Whether one more code may go to this identifier: the SMS pumping guard
   * (destination, conversion), then every send limit — all-or-nothing, so a
   * refused send counts against nothing.
   */
  async function admitSend(
    app: App,
    channel: DeliveryChannel,
    identifier: string,
    clientIp: string | null,
  ): Promise<Admission> {
    let sms: SmsDestination | undefined
    if (channel === 'sms') {
      const policy = app.settings.channels.sms
      const verdict = judgeSmsDestination(identifier, policy)
      if (!verdict.allowed) {
        return {
          admitted: false,
          reason: verdict.reason,
          error: new AppError('invalid_identifier', { message: 'Codes cannot be sent to this phone number.' }),
        }
      }
      sms = verdict.destination
      const guard = policy.conversion_guard
      if (guard.enabled) {
        const counters = conversionBuckets(app.id, app.settings, sms.country)
        const sends = await limits.count(counters.sends)
        const approvals = await limits.count(counters.approvals)
        if (sends >= guard.min_sends && approvals / sends < guard.min_conversion_rate) {
          return {
            admitted: false,
            reason: 'conversion_guard',
            error: rateLimitedError({
              ok: false,
              name: 'conversion_guard',
              max: guard.min_sends,
              retryAfterSeconds: guard.window_seconds,
            }),
          }
        }
      }
    }
    const buckets = sendBuckets(app.id, app.settings, { identifier, clientIp, sms })
    const decision = await limits.take(buckets)
    if (!decision.ok) return { admitted: false, reason: `limit:${decision.name}`, error: rateLimitedError(decision) }
    return { admitted: true, buckets, sms }
  }

  async function recordRefusal(
    app: App,
    channel: DeliveryChannel,
    identifier: string,
    clientIp: string | null,
    reason: string,
    suppressed: boolean,
  ) {
    await events.record({
      appId: app.id,
      kind: suppressed ? 'send.suppressed' : 'send.refused',
      identifierMasked: verifiers.find(channel)?.delivery?.maskIdentifier(identifier),
      clientIp: clientIp ?? undefined,
      details: { channel, reason },
    })
  }

  /** Waits about as long as a real delivery takes, so a decoy is not told apart by timing. */
  async function delayLikeDelivery(channel: DeliveryChannel | undefined): Promise<void> {
    const ms = channel ? Math.min(2000, deliveryMs.get(channel) ?? 0) : 0
    if (ms > 1) await new Promise((resolve) => setTimeout(resolve, ms))
  }

  async function load(app: App, verificationId: string): Promise<VerificationRow> {
    const row = await store.verifications.findById(app.id, verificationId)
    // Another app's verification is indistinguishable from none at all.
    assertThat(row, 'verification_not_found')
    return row
  }

  /** The error for a verification that can no longer take a code or a resend. */
  function notPendingError(row: VerificationRow, now: number): AppError {
    switch (effectiveStatus(row, now)) {
      case 'expired':
        return new AppError('verification_expired')
      case 'max_attempts_reached':
        return new AppError('max_attempts_reached', { details: { attempts_remaining: 0 } })
      case 'approved':
        return new AppError('verification_not_pending', {
          message: 'The verification is already approved.',
          details: { status: 'approved' },
        })
      case 'canceled':
        return new AppError('verification_not_pending', {
          message: 'The verification was canceled.',
          details: { status: 'canceled' },
        })
      default:
        return new AppError('verification_not_pending')
    }
  }

  /** A caller's own code, held to the channel's code_length and alphabet like the codes Tessera makes. */
  function validCustomCode(app: App, channel: string, customCode: string | undefined): string | undefined {
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

  function maskOf(row: VerificationRow): string | undefined {
    return verifiers.get(row.channel).delivery?.maskIdentifier(row.identifier)
  }

  /** Inserts the verification and, for delivered types, sends its code; a failed send leaves nothing behind. */
  async function create(
    app: App,
    verifier: Verifier,
    fields: {
      identifier: string
      scene: string
      userId: string | null
      factorId: string | null
      purpose: VerificationPurpose
      locale?: string | undefined
      clientIp?: string | undefined
      metadata?: Record<string, unknown> | undefined
      customCode?: string | undefined
      link?: string | undefined
    },
  ): Promise<VerificationView> {
    const plan = verifier.challenge({ settings: app.settings, appName: app.name, nowMs: clock.nowMs() })
    const channel = verifier.delivery?.channel
    if (channel) deps.messages.assertAvailable(app, channel)
    const code = fields.customCode ?? plan.code
    const now = clock.nowMs()
    const id = generateId('ver')
    const row = newVerificationRow({
      id,
      appId: app.id,
      type: verifier.type,
      plan,
      codeHash: code === undefined ? '' : hashCode(serverKeys, id, code),
      sendsCode: code !== undefined,
      identifier: fields.identifier,
      scene: fields.scene,
      userId: fields.userId,
      factorId: fields.factorId,
      purpose: fields.purpose,
      locale: fields.locale,
      clientIp: fields.clientIp,
      metadata: fields.metadata,
      now,
    })
    let admission: Admission | undefined
    if (channel && code !== undefined) {
      admission = await admitSend(app, channel, fields.identifier, fields.clientIp ?? null)
      if (!admission.admitted) {
        const suppress = app.settings.uniform_responses
        await recordRefusal(app, channel, fields.identifier, fields.clientIp ?? null, admission.reason, suppress)
        if (!suppress) throw admission.error
        // The caller sees a normal verification; nothing was sent and nothing can approve it.
        const decoy: VerificationRow = { ...row, purpose: 'decoy' }
        await store.verifications.insert(decoy)
        await delayLikeDelivery(channel)
        return toVerificationView(decoy, verifier, now)
      }
    }
    // Stored before sending, so a code that arrives fast is already checkable.
    try {
      await store.verifications.insert(row)
    } catch (error) {
      // Nothing was sent: the send budget taken above is given back.
      if (admission?.admitted) await limits.refund(admission.buckets).catch(() => undefined)
      throw error
    }
    if (channel && code !== undefined && admission?.admitted) {
      try {
        await timedDeliver(app, row, channel, code, fields.link)
      } catch (error) {
        // The send did not happen: the verification never existed for the caller, and counts against no limit.
        // (Its delivery attempts stay recorded, with a delivery.failed event.)
        await store.verifications.delete(app.id, id)
        await limits.refund(admission.buckets)
        throw error
      }
      if (admission.sms && app.settings.channels.sms.conversion_guard.enabled) {
        await limits.take([conversionBuckets(app.id, app.settings, admission.sms.country).sends])
      }
    }
    return toVerificationView(row, verifier, now)
  }

  async function timedDeliver(
    app: App,
    row: VerificationRow,
    channel: DeliveryChannel,
    code: string,
    link?: string | undefined,
  ): Promise<void> {
    const started = performance.now()
    await deps.messages.deliver(app, row, channel, code, link)
    const elapsed = performance.now() - started
    deliveryMs.set(channel, 0.8 * (deliveryMs.get(channel) ?? elapsed) + 0.2 * elapsed)
  }

  function checkContext(app: App): CheckContext {
    return {
      settings: app.settings,
      appName: app.name,
      nowMs: clock.nowMs(),
      hashCode: (verificationId, code) => hashCode(serverKeys, verificationId, code),
      hashFactorCode: (factorId, code) => hmacBase64Url(serverKeys.codeHash, `factor:${factorId}:${code}`),
      claimCounter: (factorId, counter) => store.factors.claimCounter(factorId, counter),
      consumeCode: (factorId, codeHash) => store.factors.consumeCode(factorId, codeHash, clock.nowMs()),
      countUnusedCodes: (factorId) => store.factors.countUnusedCodes(factorId),
    }
  }

  /**
   * The one approval step, for a right answer and for a magic link: in one transaction the verification is
   * approved (conditionally: of racing approvals exactly one wins), the factor's bookkeeping is done — only
   * while it is unlocked, so a lock that landed while the answer was judged wins — and the token is stored.
   * A connection lost (or a process killed) in between leaves the verification pending and its code still
   * usable: never approved without the token that proves it.
   */
  async function approveAndIssue(
    app: App,
    row: VerificationRow,
    now: number,
    how: {
      factor?: FactorRow | undefined
      material?: string | undefined
      /** The factor's failures when the guess claimed its place (guess-budget.ts). */
      failuresBefore?: number
      byLink?: boolean
    },
  ): Promise<CheckResult | 'lost' | 'factor_locked'> {
    const { factor } = how
    try {
      return await store.transaction(async (tx) => {
        const won = how.byLink
          ? await tx.verifications.approve(row.id, row.codeHash, now)
          : await tx.verifications.approveClaimed(row.id, row.codeHash, now)
        if (!won) return 'lost' as const
        if (factor && factor.status !== 'decoy') {
          const material = how.material === undefined ? undefined : encryptSecret(serverKeys, how.material)
          if (!(await tx.factors.recordSuccess(factor.id, now, how.failuresBefore ?? 0, material))) {
            throw new FactorLockedMeanwhile()
          }
          if (row.purpose === 'activate') await tx.factors.activate(factor.id, now)
        }
        const result: CheckResult = {
          verificationId: row.id,
          scene: row.scene,
          purpose: row.purpose,
          factorId: row.factorId,
        }
        if (row.purpose === 'activate') return result
        const token = await deps.tokens.issue(
          {
            appId: app.id,
            verificationId: row.id,
            scene: row.scene,
            channel: row.channel,
            identifier: row.identifier,
            userId: row.userId,
            factorId: row.factorId,
            ttlSeconds: tokenTtlSeconds(app.settings, row.scene),
          },
          { store: tx },
        )
        return { ...result, token: { token: token.token, expiresIn: token.expiresIn } }
      })
    } catch (error) {
      // Thrown to roll the approval back.
      if (error instanceof FactorLockedMeanwhile) return 'factor_locked'
      throw error
    }
  }

  /**
   * The user's own active factor this start must use: named by `factorId`, or — in a scene that requires one
   * (2fa, step-up, `require_factor`) — the one whose phone or email is `to`. Undefined when the start proves
   * an identifier only. Anything else is `factor_not_allowed`: an inbox or phone the user never bound proves
   * nothing about the user.
   */
  async function ownFactorOf(app: App, scene: string, input: StartVerificationInput): Promise<FactorRow | undefined> {
    const needsFactor = input.userId !== undefined && requiresOwnFactor(app.settings, scene)
    if (input.factorId === undefined && !needsFactor) return undefined
    if (input.userId === undefined) {
      throw new AppError('invalid_request', { message: 'factor_id needs the user_id it belongs to.' })
    }
    const notAllowed = () =>
      new AppError('factor_not_allowed', {
        message: `A verification for a user in the scene "${scene}" must use one of that user’s active factors (factor_id, or a to the user has bound).`,
      })
    const factors = (await store.factors.listByUser(app.id, input.userId)).filter((f) => f.status === 'active')
    let factor: FactorRow | undefined
    if (input.factorId !== undefined) {
      factor = factors.find((f) => f.id === input.factorId)
      if (factor && input.channel !== undefined && input.channel !== factor.type) throw notAllowed()
    } else {
      const verifier = input.channel === undefined ? undefined : verifiers.find(input.channel)
      const identifier = verifier?.delivery?.normalizeIdentifier(input.to ?? '')
      if (verifier && identifier !== undefined) {
        // Mailboxes ignore case: Ada@ and ada@ are one inbox, bound once.
        const wanted = identifier.toLowerCase()
        factor = factors.find((f) => f.type === verifier.type && f.identifier?.toLowerCase() === wanted)
      }
    }
    if (!factor) throw notAllowed()
    if (input.factorId !== undefined && input.to !== undefined) {
      const typed = verifiers.find(factor.type)?.delivery?.normalizeIdentifier(input.to)
      if (typed?.toLowerCase() !== factor.identifier?.toLowerCase()) throw notAllowed()
    }
    const now = clock.nowMs()
    if (factor.lockedUntil !== null && Number(factor.lockedUntil) > now) {
      throw guesses.lockedError(Number(factor.lockedUntil), now)
    }
    return factor
  }

  return {
    async start(app, input) {
      const scene = input.scene ?? DEFAULT_SCENE
      const own = await ownFactorOf(app, scene, input)
      const type = own?.type ?? input.channel
      const verifier = type === undefined ? undefined : verifiers.find(type)
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
      deps.messages.assertAvailable(app, channel)
      if (!isTypeAllowed(app.settings, scene, verifier.type)) {
        throw new AppError('factor_not_allowed', { message: `The scene "${scene}" does not allow ${verifier.type}.` })
      }
      const identifier = own?.identifier ?? verifier.delivery.normalizeIdentifier(input.to ?? '')
      if (identifier === undefined || identifier === null) {
        throw new AppError('invalid_identifier', {
          message:
            channel === 'sms'
              ? 'to must be a valid phone number in international format (E.164, e.g. +14155552671).'
              : 'to must be a valid email address.',
        })
      }
      return create(app, verifier, {
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
      })
    },

    async startForFactor(app, factor, input) {
      const verifier = verifiers.get(factor.type)
      if (verifier.delivery && !app.settings.channels[verifier.delivery.channel].enabled) {
        throw new AppError('channel_not_enabled', {
          message: `The ${verifier.delivery.channel} channel is disabled for this app.`,
        })
      }
      return create(app, verifier, {
        identifier: factor.identifier ?? '',
        scene: input.scene,
        userId: factor.userId,
        factorId: factor.id,
        purpose: input.purpose,
        locale: input.locale,
        clientIp: input.clientIp,
      })
    },

    async startDecoy(app, input) {
      const verifier = verifiers.find(input.type) ?? verifiers.get('sms')
      const plan = verifier.challenge({ settings: app.settings, appName: app.name, nowMs: clock.nowMs() })
      const now = clock.nowMs()
      const id = generateId('ver')
      // The decoy of this user and type stands in for the missing factor: the same masked recipient every time,
      // and failures that count and lock exactly as a factor's do (so a lock tells nothing either).
      const decoy =
        input.userId === null
          ? undefined
          : await store.factors.findOrCreateDecoy({
              id: generateId('fac'),
              appId: app.id,
              userId: input.userId,
              type: verifier.type,
              status: 'decoy',
              // A plausible recipient, so the masked `to` looks like a real factor's (never sent to).
              identifier: verifier.delivery ? decoyIdentifier(verifier.delivery.channel) : null,
              label: null,
              material: null,
              lastCounter: null,
              failureCount: 0,
              guessesInFlight: 0,
              lockCount: 0,
              lockedUntil: null,
              createdAt: now,
              updatedAt: now,
              lastUsedAt: null,
            })
      // A locked factor refuses new challenges: so does a locked decoy.
      if (decoy?.lockedUntil != null && Number(decoy.lockedUntil) > now) {
        throw guesses.lockedError(Number(decoy.lockedUntil), now)
      }
      const row = newVerificationRow({
        id,
        appId: app.id,
        type: verifier.type,
        plan,
        // A random code nobody was sent; a decoy is never judged right anyway.
        codeHash: hashCode(serverKeys, id, generateId('decoy')),
        sendsCode: plan.code !== undefined,
        identifier: decoy?.identifier ?? (verifier.delivery ? decoyIdentifier(verifier.delivery.channel) : ''),
        scene: input.scene,
        userId: input.userId,
        factorId: decoy?.id ?? generateId('fac'),
        purpose: 'decoy',
        clientIp: input.clientIp,
        now,
      })
      await store.verifications.insert(row)
      await events.record({
        appId: app.id,
        kind: 'challenge.suppressed',
        verificationId: id,
        clientIp: input.clientIp,
        details: { type: verifier.type, user_id: input.userId, reason: input.reason },
      })
      await delayLikeDelivery(verifier.delivery?.channel)
      return toVerificationView(row, verifier, now)
    },

    async resend(app, verificationId, input) {
      for (let round = 0; round < 3; round++) {
        const row = await load(app, verificationId)
        const now = clock.nowMs()
        if (effectiveStatus(row, now) !== 'pending') throw notPendingError(row, now)
        const verifier = verifiers.get(row.channel)
        if (!verifier.delivery) {
          throw new AppError('invalid_request', { message: `A ${row.channel} verification has no code to resend.` })
        }
        const customCode = validCustomCode(app, verifier.delivery.channel, input.customCode)
        if (row.sends >= row.maxSends) throw new AppError('max_sends_reached', { details: { sends_remaining: 0 } })
        const availableAt = Number(row.lastSentAt) + row.resendCooldownSeconds * 1000
        if (now < availableAt) {
          throw new AppError('resend_too_soon', { details: { retry_after: Math.ceil((availableAt - now) / 1000) } })
        }
        const code =
          customCode ?? verifier.challenge({ settings: app.settings, appName: app.name, nowMs: now }).code ?? ''
        const codeHash = hashCode(serverKeys, row.id, code)
        const expiresAt = now + row.ttlSeconds * 1000
        const channel = verifier.delivery.channel
        const admission: Admission =
          row.purpose === 'decoy'
            ? { admitted: false, reason: 'decoy', error: new AppError('internal_error') }
            : await admitSend(app, channel, row.identifier, row.clientIp)
        if (!admission.admitted && row.purpose !== 'decoy') {
          await recordRefusal(
            app,
            channel,
            row.identifier,
            row.clientIp,
            admission.reason,
            app.settings.uniform_responses,
          )
          if (!app.settings.uniform_responses) throw admission.error
        }
        // Reserve first (atomic: pending, under max sends, past cooldown), then send.
        const won = await store.verifications.reserveResend(row.id, {
          previousCodeHash: row.codeHash,
          codeHash,
          now,
          expiresAt,
        })
        if (!won) {
          if (admission.admitted) await limits.refund(admission.buckets)
          continue // Someone else changed it in between: look again.
        }
        const reserved: VerificationRow = {
          ...row,
          codeHash,
          sends: row.sends + 1,
          lastSentAt: now,
          expiresAt,
          updatedAt: now,
        }
        if (!admission.admitted) {
          // Suppressed under uniform_responses, or a decoy: answer as if sent.
          await delayLikeDelivery(channel)
          return toVerificationView(reserved, verifier, now)
        }
        try {
          await timedDeliver(app, reserved, channel, code, input.link)
        } catch (error) {
          await limits.refund(admission.buckets)
          // The send does not count, and the previous code keeps working.
          await store.verifications.releaseResend(row.id, {
            reservedCodeHash: codeHash,
            codeHash: row.codeHash,
            lastSentAt: Number(row.lastSentAt),
            expiresAt: Number(row.expiresAt),
            now,
          })
          throw error
        }
        return toVerificationView(reserved, verifier, now)
      }
      throw new AppError('rate_limited', { message: 'The verification is busy; retry.', details: { retry_after: 1 } })
    },

    async check(app, input) {
      // As sent: a password may begin or end with a space. Code types strip spacing themselves.
      const answer = input.code
      let settleRounds = 0
      for (let round = 0; round < 3; round++) {
        const row = await load(app, input.verificationId)
        const now = clock.nowMs()
        if (effectiveStatus(row, now) !== 'pending') {
          if (row.status === 'pending') await store.verifications.finish(app.id, row.id, 'expired', now)
          throw notPendingError(row, now)
        }
        // Every attempt is claimed by checks still being judged: their outcome is this one's answer.
        if (row.attempts >= row.maxAttempts) {
          if (settleRounds++ < 100) {
            round--
            await new Promise((resolve) => setTimeout(resolve, 5))
            continue
          }
          throw new AppError('max_attempts_reached', { details: { attempts_remaining: 0 } })
        }
        const verifier = verifiers.get(row.channel)
        let factor: FactorRow | undefined
        if (row.factorId !== null) {
          factor = await store.factors.findById(app.id, row.factorId)
          if (!factor && row.purpose !== 'decoy') {
            // The factor was removed while its challenge was open: nothing is left to prove.
            await store.verifications.finish(app.id, row.id, 'canceled', now)
            throw new AppError('factor_not_found', { message: 'The factor of this verification was removed.' })
          }
          if (factor?.lockedUntil != null && Number(factor.lockedUntil) > now) {
            throw guesses.lockedError(Number(factor.lockedUntil), now)
          }
        }
        // Counted before it is judged: see guess-budget.ts.
        const claim = await guesses.claim(app, row, factor, now)
        if (!claim) continue
        let outcome: CheckOutcome
        try {
          // A decoy (uniform_responses) is never right; it counts and locks like the real thing.
          outcome =
            row.purpose === 'decoy'
              ? { ok: false, reason: 'mismatch' }
              : await verifier.check(
                  {
                    answer,
                    verificationId: row.id,
                    codeHash: row.codeHash,
                    factor: factor && {
                      id: factor.id,
                      material: factor.material === null ? null : decryptSecret(serverKeys, factor.material),
                    },
                  },
                  checkContext(app),
                )
        } catch (error) {
          await claim.release()
          throw error
        }
        if (outcome.ok) {
          const approval = await approveAndIssue(app, row, now, {
            factor,
            material: outcome.material,
            failuresBefore: claim.failuresBefore,
          }).catch(async (error: unknown) => {
            await claim.release()
            throw error
          })
          if (approval === 'lost' || approval === 'factor_locked') await claim.release()
          else await claim.succeeded()
          if (approval === 'lost') continue
          if (approval === 'factor_locked') {
            const current = factor && (await store.factors.findById(app.id, factor.id))
            throw guesses.lockedError(Number(current?.lockedUntil ?? now + 1000), now)
          }
          if (row.channel === 'sms' && app.settings.channels.sms.conversion_guard.enabled) {
            const country = smsDestinationOf(row.identifier).country
            // A signal, not a gate: the approval is committed, so a counter outage must not fail the answer.
            await limits
              .take([conversionBuckets(app.id, app.settings, country).approvals])
              .catch((error: unknown) => deps.logger.warn({ err: error }, 'conversion counter not updated'))
          }
          return { ...approval, ...(outcome.details ? { details: outcome.details } : {}) }
        }
        const lockedUntil = await claim.failed()
        const lastAttempt = claim.attempts >= row.maxAttempts
        if (lastAttempt) await store.verifications.exhaustAttempts(row.id, row.codeHash, now)
        const eventBase = {
          appId: app.id,
          verificationId: row.id,
          identifierMasked: maskOf(row),
          clientIp: row.clientIp ?? undefined,
        }
        if (lastAttempt) {
          await events.record({ ...eventBase, kind: 'verification.locked', details: { attempts: claim.attempts } })
          // When this failure also locked the factor, say so: a new verification would be refused until retry_after.
          if (lockedUntil === undefined) {
            throw new AppError('max_attempts_reached', { details: { attempts_remaining: 0 } })
          }
        } else {
          await events.record({
            ...eventBase,
            kind: 'verification.attempt_failed',
            details: { attempts: claim.attempts, ...(outcome.reason === 'replayed' ? { replayed: true } : {}) },
          })
        }
        if (lockedUntil !== undefined) throw guesses.lockedError(lockedUntil, now)
        throw new AppError('invalid_verification_code', {
          details: { attempts_remaining: Math.max(0, row.maxAttempts - claim.attempts) },
        })
      }
      // Three lost races in a row: answer with the state as it now is.
      const row = await load(app, input.verificationId)
      throw notPendingError(row, clock.nowMs())
    },

    async approveByLink(app, verificationId) {
      const row = await load(app, verificationId)
      const now = clock.nowMs()
      if (effectiveStatus(row, now) !== 'pending') throw notPendingError(row, now)
      if (row.purpose !== 'verify' || row.factorId !== null) {
        throw new AppError('invalid_request', { message: 'Only an identifier verification is approved by a link.' })
      }
      const approval = await approveAndIssue(app, row, now, { byLink: true })
      if (approval === 'lost' || approval === 'factor_locked') {
        throw notPendingError(await load(app, verificationId), clock.nowMs())
      }
      return approval
    },

    async get(app, verificationId) {
      const row = await load(app, verificationId)
      const view = toVerificationView(row, verifiers.get(row.channel), clock.nowMs())
      return { ...view, deliveries: await deps.messages.list(app.id, row.id) }
    },

    async search(appId, filter) {
      const now = clock.nowMs()
      const rows = await store.verifications.search(appId, { ...filter, now })
      return rows.map((row) => toVerificationView(row, verifiers.get(row.channel), now))
    },

    async listRecent(appId, options) {
      const now = clock.nowMs()
      const rows = await store.verifications.listRecent(appId, options)
      return rows.map((row) => toVerificationView(row, verifiers.get(row.channel), now))
    },

    async cancel(app, verificationId) {
      const row = await load(app, verificationId)
      const now = clock.nowMs()
      if (
        effectiveStatus(row, now) !== 'pending' ||
        !(await store.verifications.finish(app.id, row.id, 'canceled', now))
      ) {
        throw notPendingError(await load(app, verificationId), now)
      }
      await events.record({
        appId: app.id,
        kind: 'verification.canceled',
        verificationId: row.id,
        identifierMasked: maskOf(row),
      })
      return toVerificationView({ ...row, status: 'canceled', updatedAt: now }, verifiers.get(row.channel), now)
    },
  }
}

/** A made-up recipient for a decoy challenge: shaped like a real one once masked. */
function decoyIdentifier(channel: DeliveryChannel): string {
  const digits = (count: number) => Array.from({ length: count }, () => String(randomInt(10))).join('')
  const letters = (count: number) =>
    Array.from({ length: count }, () => 'abcdefghijklmnopqrstuvwxyz'[randomInt(26)]).join('')
  return channel === 'sms' ? `+1${digits(10)}` : `${letters(6)}@${letters(7)}.com`
}

/** Rolls an approval back: the factor locked while its answer was judged. */
class FactorLockedMeanwhile extends Error {}
