import type { VerifySendAttemptRow, VerifyServiceRow, VerifyServiceVerificationRow } from '../database.js'

/** Twilio Verify services of an app, the sids of their verifications and the codes sent for them. */
export interface VerifyServiceRepository {
  insert(service: VerifyServiceRow): Promise<void>
  find(appId: string, sid: string): Promise<VerifyServiceRow | undefined>
  /** Oldest first: `offset` rows skipped, at most `limit`. */
  list(appId: string, options: { limit: number; offset: number }): Promise<VerifyServiceRow[]>
  update(
    appId: string,
    sid: string,
    changes: { friendlyName: string; options: string; updatedAt: number },
  ): Promise<VerifyServiceRow | undefined>
  /** True when it existed. */
  delete(appId: string, sid: string): Promise<boolean>
  insertVerification(row: VerifyServiceVerificationRow): Promise<void>
  findVerification(appId: string, serviceSid: string, sid: string): Promise<VerifyServiceVerificationRow | undefined>
  findVerificationById(appId: string, verificationId: string): Promise<VerifyServiceVerificationRow | undefined>
  /** By its `VE…` sid alone, whatever its service (the /v1 API accepts the sid as the verification's id). */
  findVerificationBySid(appId: string, sid: string): Promise<VerifyServiceVerificationRow | undefined>
  /**
   * The service's newest verification still pending (not yet expired at `now`) for one of these identifiers:
   * the one a new start resends on, and a check by `To` judges.
   */
  findPendingFor(
    appId: string,
    serviceSid: string,
    identifiers: readonly string[],
    now: number,
  ): Promise<VerifyServiceVerificationRow | undefined>
  insertSendAttempt(row: VerifySendAttemptRow): Promise<void>
  /** Oldest first. */
  listSendAttempts(verificationSid: string): Promise<VerifySendAttemptRow[]>
}

/** Verification tokens kept, sealed, for one pickup by their app. */
export interface HeldTokenRepository {
  insert(row: {
    verificationId: string
    appId: string
    sealedToken: string
    expiresAt: number
    createdAt: number
  }): Promise<void>
  /** Removes the held token and answers it, or undefined when none (or another caller took it first). */
  take(appId: string, verificationId: string): Promise<{ sealedToken: string; expiresAt: number } | undefined>
}
