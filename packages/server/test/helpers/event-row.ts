import type { NewEvent, VerificationRow } from '../../src/storage/database.js'

/** A `verification.started` event row for `row`, for storage tests that insert rows directly. */
export function startedEventRow(row: VerificationRow, id: string, fields: Partial<NewEvent> = {}): NewEvent {
  return {
    id,
    appId: row.appId,
    kind: 'verification.started',
    verificationId: row.id,
    identifierMasked: null,
    clientIp: null,
    details: null,
    createdAt: Number(row.createdAt),
    payload: '{}',
    dispatchPending: 1,
    ...fields,
  }
}
