import type { WebhookMessageRow } from '../../storage/database.js'
import type { Store } from '../../storage/store.js'
import type { Clock } from '../clock.js'
import { newMessage } from './webhook-service.js'
import { type Receiver, receiversAmong, subscribes } from './webhook-subscriptions.js'

const FAN_OUT_BATCH = 100

/**
 * Moves the outbox's undispatched events into messages, one per endpoint on that subscribes to the event,
 * one locked batch per transaction (PostgreSQL's SKIP LOCKED hands each event to one instance). Answers the
 * apps whose events it found: they have endpoints, so their next events should wake the dispatcher.
 */
export async function fanOut(store: Store, clock: Clock): Promise<Set<string>> {
  const found = new Set<string>()
  for (;;) {
    const taken = await store.transaction(async (tx) => {
      const rows = await tx.events.takeUndispatched(FAN_OUT_BATCH)
      if (rows.length === 0) return 0
      const now = clock.nowMs()
      // Each app's enabled endpoints with their subscriptions, read and parsed once per batch, not per event.
      const endpointsOf = new Map<string, Receiver[]>()
      const messages: WebhookMessageRow[] = []
      for (const event of rows) {
        if (event.appId === null || event.payload === null) continue
        found.add(event.appId)
        let endpoints = endpointsOf.get(event.appId)
        if (!endpoints) {
          endpoints = receiversAmong(await tx.webhooks.listEndpoints(event.appId))
          endpointsOf.set(event.appId, endpoints)
        }
        for (const endpoint of endpoints) {
          if (subscribes(endpoint.events, event.kind))
            messages.push(newMessage(event.appId, event.id, endpoint.id, now))
        }
      }
      await tx.webhooks.insertMessages(messages)
      await tx.events.markDispatched(rows.map((row) => row.id))
      return rows.length
    })
    if (taken < FAN_OUT_BATCH) return found
  }
}
