import type { VerificationRow, VerificationStatus } from '../../src/storage/database.js'

/**
 * A verification row of app `app_1` for storage tests that insert rows directly: an SMS code sent a minute
 * before `now`, live for nine minutes more, no fallback; `fields` says what the test is about.
 */
export function verificationRow(
  id: string,
  status: VerificationStatus,
  now: number,
  fields: Partial<VerificationRow> = {},
): VerificationRow {
  return {
    id,
    appId: 'app_1',
    channel: 'sms',
    identifier: '+15550000000',
    scene: 'login',
    userId: null,
    status,
    codeHash: `hash_${id}`,
    attempts: 0,
    maxAttempts: 5,
    sends: 1,
    maxSends: 5,
    resendCooldownSeconds: 30,
    ttlSeconds: 600,
    lastSentAt: now - 60_000,
    expiresAt: now + 540_000,
    createdAt: now - 60_000,
    updatedAt: now - 60_000,
    approvedAt: null,
    locale: null,
    clientIp: null,
    metadata: null,
    factorId: null,
    purpose: 'verify',
    test: 0,
    fallbackDueAt: null,
    ...fields,
  }
}
