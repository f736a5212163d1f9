import type { WebhookEndpointRow } from '../../storage/database.js'
import type { Store } from '../../storage/store.js'
import type { EventLog } from '../event-log.js'

/** An endpoint failing this long without a success is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 86_400_000

/**
 * Keeps an endpoint's health after one try, in the try's transaction: a success clears `failing_since`; a
 * failure sets it, or, after DISABLE_AFTER_FAILING_MS of failing, disables the endpoint, fails its pending
 * messages and records `webhook.disabled` where operators look. Answers whether it disabled the endpoint.
 */
export async function updateEndpointHealth(
  tx: Store,
  events: EventLog,
  endpoint: WebhookEndpointRow,
  attempt: { readonly succeeded: boolean; readonly sentAt: number; readonly now: number },
): Promise<boolean> {
  const { succeeded, sentAt, now } = attempt
  if (succeeded) {
    if (endpoint.failingSince !== null) {
      await tx.webhooks.updateEndpoint(endpoint.appId, endpoint.id, { failingSince: null, updatedAt: now })
    }
    return false
  }
  const current = await tx.webhooks.findEndpoint(endpoint.appId, endpoint.id)
  if (!current || Number(current.enabled) !== 1) return false
  if (current.failingSince === null) {
    await tx.webhooks.updateEndpoint(endpoint.appId, endpoint.id, { failingSince: sentAt, updatedAt: now })
    return false
  }
  if (now - Number(current.failingSince) < DISABLE_AFTER_FAILING_MS) return false
  await tx.webhooks.updateEndpoint(endpoint.appId, endpoint.id, {
    enabled: 0,
    disabledReason: 'failing_for_5_days',
    updatedAt: now,
  })
  await tx.webhooks.failPendingMessages(endpoint.id, now)
  await events.recordIn(tx, {
    appId: endpoint.appId,
    kind: 'webhook.disabled',
    details: {
      webhook_id: endpoint.id,
      url: endpoint.url,
      reason: 'failing_for_5_days',
      failing_since: new Date(Number(current.failingSince)).toISOString(),
    },
  })
  return true
}
