import type { Logger } from 'pino'
import type { SigningKeyRing } from './signing-key-ring.js'

/** Another instance may rotate: its key is picked up within a minute. */
const KEY_REFRESH_INTERVAL_MS = 60 * 1000
/** How soon an instance stops signing with a key revoked elsewhere (its JWKS and introspection know at once). */
const KEY_REVOCATION_POLL_MS = 2 * 1000

/**
 * Keeps an instance's key ring in step with the database, where other instances and the CLI rotate and
 * revoke keys. A database outage is logged once, not every poll. Answers the stop.
 */
export function startSigningKeyRefresh(keyRing: SigningKeyRing, logger: Logger): () => void {
  const refresh = setInterval(() => {
    keyRing.load().catch((error: unknown) => logger.error({ err: error }, 'signing key refresh failed'))
  }, KEY_REFRESH_INTERVAL_MS)
  refresh.unref()
  let revocationPollFailing = false
  const revocationPoll = setInterval(() => {
    keyRing.refreshRevocations().then(
      () => {
        revocationPollFailing = false
      },
      (error: unknown) => {
        if (!revocationPollFailing) logger.error({ err: error }, 'signing key revocation check failed')
        revocationPollFailing = true
      },
    )
  }, KEY_REVOCATION_POLL_MS)
  revocationPoll.unref()
  return () => {
    clearInterval(refresh)
    clearInterval(revocationPoll)
  }
}
