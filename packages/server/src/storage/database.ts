import type { Insertable, Selectable } from 'kysely'
import type { ApiKeyTable, AppTable } from './tables/app-tables.js'
import type { ConsoleSessionTable } from './tables/console-session-table.js'
import type { DeliveryTable } from './tables/delivery-table.js'
import type { EventTable } from './tables/event-table.js'
import type { FactorCodeTable, FactorTable } from './tables/factor-tables.js'
import type { HostedSessionTable } from './tables/hosted-session-table.js'
import type { IdempotencyKeyTable } from './tables/idempotency-key-table.js'
import type { SigningKeyTable } from './tables/signing-key-table.js'
import type { TokenTable } from './tables/token-table.js'
import type { VerificationTable } from './tables/verification-table.js'
import type {
  HeldTokenTable,
  VerifySendAttemptTable,
  VerifyServiceTable,
  VerifyServiceVerificationTable,
} from './tables/verify-service-tables.js'
import type { WebhookAttemptTable, WebhookEndpointTable, WebhookMessageTable } from './tables/webhook-tables.js'

// Table typings, one file per concept under tables/. Columns are snake_case in the database; Kysely's
// CamelCasePlugin maps them to camelCase names. Times are integer milliseconds since the epoch on every
// engine, so no dialect's date type leaks into the core.

export type { ApiKeyTable, AppTable } from './tables/app-tables.js'
export type { ConsoleSessionTable } from './tables/console-session-table.js'
export type { DeliveryStatusColumn, DeliveryTable } from './tables/delivery-table.js'
export type { EventTable } from './tables/event-table.js'
export type { FactorCodeTable, FactorStatus, FactorTable } from './tables/factor-tables.js'
export type { HostedSessionTable } from './tables/hosted-session-table.js'
export type { IdempotencyKeyTable } from './tables/idempotency-key-table.js'
export type { SigningKeyTable } from './tables/signing-key-table.js'
export type { TokenTable } from './tables/token-table.js'
export type { VerificationPurpose, VerificationStatus, VerificationTable } from './tables/verification-table.js'
export type {
  HeldTokenTable,
  VerifySendAttemptTable,
  VerifyServiceTable,
  VerifyServiceVerificationTable,
} from './tables/verify-service-tables.js'
export type {
  WebhookAttemptTable,
  WebhookEndpointTable,
  WebhookMessageStatus,
  WebhookMessageTable,
} from './tables/webhook-tables.js'

export interface Database {
  apps: AppTable
  apiKeys: ApiKeyTable
  verifications: VerificationTable
  tokens: TokenTable
  signingKeys: SigningKeyTable
  events: EventTable
  factors: FactorTable
  factorCodes: FactorCodeTable
  hostedSessions: HostedSessionTable
  deliveries: DeliveryTable
  consoleSessions: ConsoleSessionTable
  verifyServices: VerifyServiceTable
  verifyServiceVerifications: VerifyServiceVerificationTable
  verifySendAttempts: VerifySendAttemptTable
  heldTokens: HeldTokenTable
  idempotencyKeys: IdempotencyKeyTable
  webhookEndpoints: WebhookEndpointTable
  webhookMessages: WebhookMessageTable
  webhookAttempts: WebhookAttemptTable
}

export type AppRow = Selectable<AppTable>
export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>
export type ApiKeyRow = Selectable<ApiKeyTable>
export type NewApiKey = Insertable<ApiKeyTable>
export type VerificationRow = Selectable<VerificationTable>
export type NewVerification = Insertable<VerificationTable>
export type TokenRow = Selectable<TokenTable>
export type NewToken = Insertable<TokenTable>
export type SigningKeyRow = Selectable<SigningKeyTable>
export type EventRow = Selectable<EventTable>
export type FactorRow = Selectable<FactorTable>
export type NewEvent = Insertable<EventTable>
export type HostedSessionRow = Selectable<HostedSessionTable>
export type DeliveryRow = Selectable<DeliveryTable>
export type ConsoleSessionRow = Selectable<ConsoleSessionTable>
export type VerifyServiceRow = Selectable<VerifyServiceTable>
export type VerifyServiceVerificationRow = Selectable<VerifyServiceVerificationTable>
export type VerifySendAttemptRow = Selectable<VerifySendAttemptTable>
export type WebhookEndpointRow = Selectable<WebhookEndpointTable>
export type WebhookMessageRow = Selectable<WebhookMessageTable>
export type WebhookAttemptRow = Selectable<WebhookAttemptTable>
