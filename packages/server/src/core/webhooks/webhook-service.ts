import { decryptSecret, encryptSecret, generateId, type ServerKeys } from '../../crypto/secrets.js'
import { generateWebhookSecret } from '../../crypto/standard-webhooks.js'
import { AppError, assertThat } from '../../errors/app-error.js'
import type { WebhookAttemptRow, WebhookEndpointRow, WebhookMessageRow } from '../../storage/database.js'
import type { Store } from '../../storage/store.js'
import type { Clock } from '../clock.js'
import { receiversAmong, subscribes, validSubscription } from './webhook-subscriptions.js'
import { validWebhookUrl } from './webhook-url.js'

/** Endpoints per app (issue #16). */
export const MAX_ENDPOINTS_PER_APP = 10
/** How long the secret before a rotation keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000

/** An endpoint as operators see it: never its secret. */
export interface WebhookEndpointView {
  readonly id: string
  readonly url: string
  readonly events: readonly string[]
  readonly enabled: boolean
  readonly description: string | null
  /** Failing since then without a success (ms); null while healthy. */
  readonly failingSince: number | null
  /** Why Tessera disabled it, if it did. */
  readonly disabledReason: string | null
  /** While a rotated-out secret still signs: until when (ms). */
  readonly previousSecretExpiresAt: number | null
  readonly createdAt: number
  readonly updatedAt: number
}

export interface WebhookAttemptView {
  readonly id: string
  readonly endpointId: string
  readonly attemptedAt: number
  readonly responseStatus: number | null
  readonly latencyMs: number
  readonly error: string | null
  readonly succeeded: boolean
}

export interface EndpointInput {
  readonly url: string
  readonly events?: readonly string[] | undefined
  readonly enabled?: boolean | undefined
  readonly description?: string | null | undefined
}

export interface WebhookService {
  /** A new endpoint and its secret, which is shown this once. */
  create(appId: string, input: EndpointInput): Promise<{ endpoint: WebhookEndpointView; secret: string }>
  list(appId: string): Promise<WebhookEndpointView[]>
  get(appId: string, id: string): Promise<WebhookEndpointView>
  update(appId: string, id: string, changes: Partial<EndpointInput>): Promise<WebhookEndpointView>
  /** A new secret (shown this once); the old one keeps signing beside it for 24 hours. */
  rotateSecret(appId: string, id: string): Promise<{ endpoint: WebhookEndpointView; secret: string }>
  remove(appId: string, id: string): Promise<void>
  /** Sends an event again to every enabled endpoint subscribed to it; answers how many. */
  resend(appId: string, eventId: string): Promise<number>
  /** The attempts of these events, oldest first, per event. */
  attemptsOf(appId: string, eventIds: readonly string[]): Promise<Map<string, WebhookAttemptView[]>>
}

export function toEndpointView(row: WebhookEndpointRow): WebhookEndpointView {
  const numberOrNull = (value: number | null) => (value === null ? null : Number(value))
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    enabled: Number(row.enabled) === 1,
    description: row.description,
    failingSince: numberOrNull(row.failingSince),
    disabledReason: row.disabledReason,
    previousSecretExpiresAt: numberOrNull(row.previousSecretExpiresAt),
    createdAt: Number(row.createdAt),
    updatedAt: Number(row.updatedAt),
  }
}

export function toAttemptView(row: WebhookAttemptRow): WebhookAttemptView {
  return {
    id: row.id,
    endpointId: row.endpointId,
    attemptedAt: Number(row.attemptedAt),
    responseStatus: row.responseStatus === null ? null : Number(row.responseStatus),
    latencyMs: Number(row.latencyMs),
    error: row.error,
    succeeded: Number(row.succeeded) === 1,
  }
}

/** A message of `eventId` to `endpointId`, due at once. */
export function newMessage(appId: string, eventId: string, endpointId: string, now: number): WebhookMessageRow {
  return {
    id: generateId('wmsg', 16, now),
    appId,
    eventId,
    endpointId,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    claimedUntil: null,
    createdAt: now,
    updatedAt: now,
  }
}

/** The secrets that sign a message now: the current one, and the rotated-out one during its overlap. */
export function signingSecrets(keys: ServerKeys, row: WebhookEndpointRow, now: number): string[] {
  const secrets = [decryptSecret(keys, row.secret)]
  if (row.previousSecret !== null && Number(row.previousSecretExpiresAt ?? 0) > now) {
    secrets.push(decryptSecret(keys, row.previousSecret))
  }
  return secrets
}

export function createWebhookService(deps: {
  store: Store
  clock: Clock
  serverKeys: ServerKeys
  /** An endpoint of the app was made or turned on here (the dispatcher wakes for its events from now on). */
  onEndpointEnabled?: (appId: string) => void
  /** An endpoint of the app was deleted or turned off here (the dispatcher stops waking for it if none is on). */
  onEndpointOff?: (appId: string) => void
}): WebhookService {
  const { store, clock } = deps
  const load = async (appId: string, id: string) => {
    const row = await store.webhooks.findEndpoint(appId, id)
    assertThat(row, 'webhook_not_found')
    return row
  }
  return {
    async create(appId, input) {
      const url = validWebhookUrl(input.url)
      const events = validSubscription(input.events ?? ['*'])
      const secret = generateWebhookSecret()
      const now = clock.nowMs()
      const row: WebhookEndpointRow = {
        id: generateId('whk', 16, now),
        appId,
        url,
        events: JSON.stringify(events),
        enabled: input.enabled === false ? 0 : 1,
        description: input.description ?? null,
        secret: encryptSecret(deps.serverKeys, secret),
        previousSecret: null,
        previousSecretExpiresAt: null,
        failingSince: null,
        disabledReason: null,
        createdAt: now,
        updatedAt: now,
      }
      // Counted and inserted in one transaction with the app locked: parallel creations cannot pass the limit.
      await store.transaction(async (tx) => {
        if ((await tx.webhooks.countEndpointsLocked(appId)) >= MAX_ENDPOINTS_PER_APP) {
          throw new AppError('webhook_limit_reached')
        }
        await tx.webhooks.insertEndpoint(row)
      })
      if (row.enabled === 1) deps.onEndpointEnabled?.(appId)
      return { endpoint: toEndpointView(row), secret }
    },
    async list(appId) {
      return (await store.webhooks.listEndpoints(appId)).map(toEndpointView)
    },
    async get(appId, id) {
      return toEndpointView(await load(appId, id))
    },
    async update(appId, id, changes) {
      await load(appId, id)
      const reenabled = changes.enabled === true
      const updated = await store.webhooks.updateEndpoint(appId, id, {
        url: changes.url === undefined ? undefined : validWebhookUrl(changes.url),
        events: changes.events === undefined ? undefined : JSON.stringify(validSubscription(changes.events)),
        enabled: changes.enabled === undefined ? undefined : changes.enabled ? 1 : 0,
        description: changes.description,
        // Turned back on by an operator: its failing streak starts over.
        ...(reenabled ? { failingSince: null, disabledReason: null } : {}),
        updatedAt: clock.nowMs(),
      })
      assertThat(updated, 'webhook_not_found')
      if (reenabled) deps.onEndpointEnabled?.(appId)
      if (changes.enabled === false) deps.onEndpointOff?.(appId)
      return toEndpointView(updated)
    },
    async rotateSecret(appId, id) {
      const row = await load(appId, id)
      const secret = generateWebhookSecret()
      const now = clock.nowMs()
      const updated = await store.webhooks.updateEndpoint(appId, id, {
        secret: encryptSecret(deps.serverKeys, secret),
        previousSecret: row.secret,
        previousSecretExpiresAt: now + ROTATION_OVERLAP_MS,
        updatedAt: now,
      })
      assertThat(updated, 'webhook_not_found')
      return { endpoint: toEndpointView(updated), secret }
    },
    async remove(appId, id) {
      assertThat(await store.webhooks.deleteEndpoint(appId, id), 'webhook_not_found')
      deps.onEndpointOff?.(appId)
    },
    async resend(appId, eventId) {
      const event = await store.events.findById(appId, eventId)
      assertThat(event?.payload, 'event_not_found')
      const now = clock.nowMs()
      const endpoints = receiversAmong(await store.webhooks.listEndpoints(appId)).filter((endpoint) =>
        subscribes(endpoint.events, event.kind),
      )
      await store.webhooks.insertMessages(endpoints.map((endpoint) => newMessage(appId, event.id, endpoint.id, now)))
      return endpoints.length
    },
    async attemptsOf(appId, eventIds) {
      const byEvent = new Map<string, WebhookAttemptView[]>()
      for (const row of await store.webhooks.listAttempts(appId, eventIds)) {
        const list = byEvent.get(row.eventId) ?? []
        list.push(toAttemptView(row))
        byEvent.set(row.eventId, list)
      }
      return byEvent
    },
  }
}
