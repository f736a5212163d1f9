import type { ActivitySummary } from '../../core/activity-stats.js'
import type { AppService } from '../../core/app-service.js'
import type { Clock } from '../../core/clock.js'
import type { ConsoleSessionService } from '../../core/console-session-service.js'
import type { EventLog } from '../../core/event-log.js'
import type { RateLimiter } from '../../core/rate-limiter.js'
import type { SigningKeyRing } from '../../core/signing-key-ring.js'
import type { VerificationService } from '../../core/verification-service.js'
import type { WebhookService } from '../../core/webhooks/webhook-service.js'

/**
 * What the console needs of the server: the services its pages call, each cut to the methods they use
 * (web imports neither http nor storage). Each area's routes take their own slice of it.
 */
export interface ConsoleDeps {
  readonly apps: Pick<
    AppService,
    | 'listApps'
    | 'getApp'
    | 'createApp'
    | 'updateApp'
    | 'checkSettings'
    | 'maskSettings'
    | 'isAdminKey'
    | 'listKeys'
    | 'createKey'
    | 'revokeKey'
  >
  readonly verifications: Pick<VerificationService, 'search' | 'get'>
  readonly events: Pick<EventLog, 'record' | 'listRecent' | 'listByVerification'>
  /** Webhook endpoints (the Webhooks tab), event attempts and resends (the Events page). */
  readonly webhooks: Pick<
    WebhookService,
    'list' | 'create' | 'update' | 'rotateSecret' | 'remove' | 'resend' | 'attemptsOf'
  >
  readonly keyRing: Pick<SigningKeyRing, 'list' | 'rotate' | 'revoke'>
  readonly sessions: ConsoleSessionService
  /** Counts failed sign-ins (console-auth.ts's budget). */
  readonly limits: Pick<RateLimiter, 'take' | 'refund'>
  /** The dashboard's figures of one app over a window (core/activity-stats.ts). */
  readonly activity: (
    appId: string,
    window: { fromMs: number; toMs: number; bucketMs: number },
  ) => Promise<ActivitySummary>
  readonly clock: Clock
  /** HMAC key of console sessions' form tokens: derived from the admin key, so a new admin key signs everyone out. */
  readonly consoleKey: Buffer
  /** The public URL as it stands now (PORT=0 learns its port after start): https there makes cookies Secure. */
  readonly currentPublicUrl: () => string
}
