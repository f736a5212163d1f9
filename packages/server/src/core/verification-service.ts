import { decryptSecret, encryptSecret } from '../crypto/secrets.js'
import type { DeliveryStatus } from '../delivery/delivery-provider.js'
import type { DeliveryRow, FactorRow } from '../storage/database.js'
import type { VerificationFilter } from '../storage/store.js'
import type { App } from './app-service.js'
import { effectiveStatus, toVerificationView, type VerificationView } from './verification.js'
import { approveByLink } from './verifications/approve.js'
import { checkVerification } from './verifications/check.js'
import { createVerification } from './verifications/create-verification.js'
import { startDecoy } from './verifications/decoys.js'
import { fallBackOnReceipt, runDueFallbacks } from './verifications/fallback.js'
import { resendVerification } from './verifications/resend.js'
import { startForFactor, startVerification } from './verifications/start.js'
import { createVerificationContext, type VerificationDeps } from './verifications/verification-context.js'
import { finishWithEvent } from './verifications/verification-events.js'
import type {
  CheckInput,
  CheckResult,
  DecoyInput,
  FactorVerificationInput,
  ResendInput,
  StartVerificationInput,
} from './verifications/verification-types.js'

export type {
  CheckResult,
  FactorVerificationInput,
  StartVerificationInput,
} from './verifications/verification-types.js'
export { DEFAULT_SCENE } from './verifications/verification-types.js'

export interface VerificationService {
  start(app: App, input: StartVerificationInput): Promise<VerificationView>
  /**
   * Marks up to `limit` pending verifications past their expiry as expired, each with its
   * verification.expired event in the same transaction; answers how many this call changed.
   */
  expireOverdue(limit: number): Promise<number>
  /** A verification proving a bound factor: a challenge, or the activation of a new factor. */
  startForFactor(app: App, factor: FactorRow, input: FactorVerificationInput): Promise<VerificationView>
  /** A verification of a `discoverable` type (passkeys) for no user yet: its check finds the factor. */
  startWithoutUser(
    app: App,
    input: { type: string; scene: string; locale?: string | undefined; clientIp?: string | undefined },
  ): Promise<VerificationView>
  /**
   * Under uniform_responses: a verification that looks like any other but was
   * never sent and can never be approved (a refused send, a missing factor).
   */
  startDecoy(app: App, input: DecoyInput): Promise<VerificationView>
  resend(app: App, verificationId: string, input: ResendInput): Promise<VerificationView>
  check(app: App, input: CheckInput): Promise<CheckResult>
  /**
   * Approves a pending `verify` verification without a code: the caller has
   * proved possession another way (the hosted flow's single-use magic link,
   * whose secret only the email carried). Issues the token as check() does.
   */
  approveByLink(app: App, verificationId: string): Promise<CheckResult>
  get(app: App, verificationId: string): Promise<VerificationView>
  /**
   * Keeps the token of an approval made through a face that cannot answer one (the Twilio-compatible API),
   * sealed with the server key, for one pickup by the app (`takeHeldToken`).
   */
  holdToken(app: App, verificationId: string, token: { token: string; expiresIn: number }): Promise<void>
  /** The held token, once: the first caller gets it and it is gone; undefined when none or expired. */
  takeHeldToken(app: App, verificationId: string): Promise<{ token: string; expiresIn: number } | undefined>
  cancel(app: App, verificationId: string): Promise<VerificationView>
  /** Operators' search (the console), newest first, masked like every other view. */
  search(appId: string, filter: Omit<VerificationFilter, 'now'>): Promise<VerificationView[]>
  /** Newest first, for operators: masked like every other view. */
  listRecent(appId: string, options: { limit: number; before?: number | undefined }): Promise<VerificationView[]>
  /** Channel fallbacks that are due (no delivered receipt in time): sends them; answers how many fell back. */
  runDueFallbacks(): Promise<number>
  /** A genuine receipt changed a delivery: a failed or undelivered current send falls back at once. */
  onDeliveryStatus(delivery: DeliveryRow, status: DeliveryStatus): Promise<void>
}

/**
 * Start, resend, check, read and cancel verifications of every type: the interface and its wiring. Each step
 * of the flow is a file of its own in core/verifications/ — send admission, start, decoys, resend, check
 * (with the guessing budgets claimed before a guess is judged) and the one approve-and-issue-token step.
 * State changes are single conditional updates in the store; the verifier of the row's type decides whether
 * an answer is right.
 */
export function createVerificationService(deps: VerificationDeps): VerificationService {
  const ctx = createVerificationContext(deps)
  const { store, clock, verifiers } = deps
  return {
    start: (app, input) => startVerification(ctx, app, input),
    async expireOverdue(limit) {
      const now = clock.nowMs()
      let expired = 0
      // Conditional per row: of instances sweeping at once, one marks each and writes its event.
      for (const row of await store.verifications.listOverdue(now, limit)) {
        if (await finishWithEvent(ctx, { id: row.appId }, row, 'expired', now)) expired++
      }
      return expired
    },
    startForFactor: (app, factor: FactorRow, input) => startForFactor(ctx, app, factor, input),
    startWithoutUser: (app, input) =>
      createVerification(ctx, app, verifiers.get(input.type), {
        identifier: '',
        scene: input.scene,
        userId: null,
        factorId: null,
        purpose: 'verify',
        locale: input.locale,
        clientIp: input.clientIp,
      }),
    startDecoy: (app, input) => startDecoy(ctx, app, input),
    resend: (app, verificationId, input) => resendVerification(ctx, app, verificationId, input),
    check: (app, input) => checkVerification(ctx, app, input),
    approveByLink: (app, verificationId) => approveByLink(ctx, app, verificationId),
    runDueFallbacks: () => runDueFallbacks(ctx, deps.getApp),
    onDeliveryStatus: (delivery, status) => fallBackOnReceipt(ctx, deps.getApp, delivery, status),

    async get(app, verificationId) {
      const row = await ctx.load(app, verificationId)
      const deliveries = await deps.messages.list(app.id, row.id)
      return toVerificationView(row, verifiers.get(row.channel), clock.nowMs(), { deliveries })
    },

    async holdToken(app, verificationId, token) {
      const now = clock.nowMs()
      await store.heldTokens.insert({
        verificationId,
        appId: app.id,
        sealedToken: encryptSecret(deps.serverKeys, token.token),
        expiresAt: now + token.expiresIn * 1000,
        createdAt: now,
      })
    },

    async takeHeldToken(app, verificationId) {
      const held = await store.heldTokens.take(app.id, verificationId)
      const now = clock.nowMs()
      if (!held || Number(held.expiresAt) <= now) return undefined
      return {
        token: decryptSecret(deps.serverKeys, held.sealedToken),
        expiresIn: Math.floor((Number(held.expiresAt) - now) / 1000),
      }
    },

    async search(appId, filter) {
      const now = clock.nowMs()
      const rows = await store.verifications.search(appId, Object.assign({}, filter, { now }))
      return rows.map((row) => toVerificationView(row, verifiers.get(row.channel), now))
    },

    async listRecent(appId, options) {
      const now = clock.nowMs()
      const rows = await store.verifications.listRecent(appId, options)
      return rows.map((row) => toVerificationView(row, verifiers.get(row.channel), now))
    },

    async cancel(app, verificationId) {
      const row = await ctx.load(app, verificationId)
      const now = clock.nowMs()
      if (effectiveStatus(row, now) !== 'pending' || !(await finishWithEvent(ctx, app, row, 'canceled', now))) {
        throw ctx.notPendingError(await ctx.load(app, verificationId), now)
      }
      return toVerificationView({ ...row, status: 'canceled', updatedAt: now }, verifiers.get(row.channel), now)
    },
  }
}
