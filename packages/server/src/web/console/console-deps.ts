import type { AppService } from '../../core/app-service.js'
import type { Clock } from '../../core/clock.js'
import type { EventLog } from '../../core/event-log.js'
import type { MessageDelivery } from '../../core/message-delivery.js'
import type { RateLimiter } from '../../core/rate-limiter.js'
import type { SigningKeyRing } from '../../core/signing-key-ring.js'
import type { VerificationService } from '../../core/verification-service.js'
import type { Store } from '../../storage/store.js'

/** What the console needs of the server: its services, never the HTTP layer (web does not import http). */
export interface ConsoleDeps {
  readonly apps: AppService
  readonly verifications: VerificationService
  readonly events: EventLog
  readonly keyRing: SigningKeyRing
  readonly messages: MessageDelivery
  readonly limits: RateLimiter
  readonly store: Store
  readonly clock: Clock
  /** HMAC key of console sessions: derived from the admin key, so a new admin key signs everyone out. */
  readonly consoleKey: Buffer
  /** The public URL as it stands now (PORT=0 learns its port after start). */
  readonly currentPublicUrl: () => string
}
