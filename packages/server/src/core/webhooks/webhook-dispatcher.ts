import type { Logger } from 'pino'
import { generateId, type ServerKeys } from '../../crypto/secrets.js'
import { webhookHeaders } from '../../crypto/standard-webhooks.js'
import type { EventRow, WebhookEndpointRow, WebhookMessageRow } from '../../storage/database.js'
import type { Store } from '../../storage/store.js'
import type { Clock } from '../clock.js'
import type { EventLog } from '../event-log.js'
import { MAX_ATTEMPTS, nextRetryDelayMs } from './retry-schedule.js'
import { updateEndpointHealth } from './webhook-endpoint-health.js'
import { fanOut } from './webhook-fan-out.js'
import type { WebhookResponse, WebhookSender } from './webhook-sender.js'
import { signingSecrets } from './webhook-service.js'

/** An endpoint that answers nothing within this is a failed try (issue #16). */
export const ATTEMPT_TIMEOUT_MS = 10_000
/** A claimed message is this instance's for this long: past the try's 10 s timeout, so no one else posts it meanwhile. */
const LEASE_MS = 15_000
/** How long after an event is recorded the dispatcher looks: the caller's commit first, a burst in one pass. */
const WAKE_DELAY_MS = 10
const CLAIM_BATCH = 20

/** The outcome of one try: the one place it is known (metrics hook in here, see `onAttempt`). */
export interface AttemptResult {
  readonly appId: string
  readonly eventId: string
  readonly endpointId: string
  readonly succeeded: boolean
  readonly response: WebhookResponse
  /** The message gave up (its last try failed) or the endpoint got disabled. */
  readonly final: boolean
}

export interface WebhookDispatcher {
  /** One pass: fans new events out to their endpoints, then tries every message due. Answers the tries made. */
  runOnce(): Promise<number>
  /** Polls every `pollIntervalMs`, and soon after an event is recorded. */
  start(): void
  /** Events of this app wake the dispatcher from now on (an endpoint of it was made or turned on here). */
  wakeFor(appId: string): void
  /** An endpoint of this app was deleted or turned off: its events stop waking the dispatcher if none is on. */
  recheck(appId: string): Promise<void>
  /** Stops polling and waits for the pass in flight. */
  stop(): Promise<void>
  /** Events not yet fanned out plus messages still to deliver: the outbox backlog. */
  backlog(): Promise<number>
}

/**
 * Posts the outbox's events to the apps' endpoints, off the request path, in every instance. Instances share
 * the work through the database: PostgreSQL's FOR UPDATE SKIP LOCKED hands each event and message to one
 * claimant, and a claimed message is leased (`claimed_until`) while it is posted, so each try is made once
 * however many instances run. Times (due, lease, give-up) come from the injected clock.
 */
export function createWebhookDispatcher(deps: {
  store: Store
  clock: Clock
  serverKeys: ServerKeys
  events: EventLog
  logger: Logger
  send: WebhookSender
  pollIntervalMs: number
  /** Jitter's randomness (tests pin it). */
  random?: () => number
  /** Called with every try's result (the lead's metrics hook in here). */
  onAttempt?: (result: AttemptResult) => void
  /** Work done on each pass before dispatching (the expiry sweep that writes verification.expired). */
  beforePass?: () => Promise<unknown>
}): WebhookDispatcher {
  const { store, clock, logger } = deps
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let again = false
  let stopped = true
  let failing = false
  /** Apps whose recorded events wake the dispatcher: they had events to fan out, or made an endpoint here. */
  const appsWithEndpoints = new Set<string>()
  /** Apps whose events woke a pass not yet begun: one whose pass finds none of its events to fan out is rechecked. */
  const wokenBy = new Set<string>()
  /** Aborts the tries in flight when the process stops: they are not recorded, and their lease lets another try later. */
  const shutdown = new AbortController()

  async function deliver(
    message: WebhookMessageRow,
    endpoint: WebhookEndpointRow | undefined,
    event: EventRow | undefined,
  ) {
    const claimedUntil = Number(message.claimedUntil)
    if (!endpoint || Number(endpoint.enabled) !== 1 || !event?.payload) {
      // Deleted or disabled meanwhile, or the event is gone (retention): nothing to send.
      await store.webhooks.settleMessage(message.id, claimedUntil, {
        status: 'failed',
        attempts: message.attempts,
        nextAttemptAt: null,
        now: clock.nowMs(),
      })
      return
    }
    const sentAt = clock.nowMs()
    const headers = webhookHeaders(
      signingSecrets(deps.serverKeys, endpoint, sentAt),
      event.id,
      Math.floor(sentAt / 1000),
      event.payload,
    )
    const response = await deps.send({
      url: endpoint.url,
      headers,
      body: event.payload,
      timeoutMs: ATTEMPT_TIMEOUT_MS,
      signal: shutdown.signal,
    })
    if (shutdown.signal.aborted) return
    const succeeded = response.status !== undefined && response.status >= 200 && response.status < 300
    const now = clock.nowMs()
    const attempts = message.attempts + 1
    const delay = succeeded ? undefined : nextRetryDelayMs(attempts, deps.random)
    let final = !succeeded && (delay === undefined || attempts >= MAX_ATTEMPTS)
    let disabled = false
    await store.transaction(async (tx) => {
      await tx.webhooks.insertAttempt({
        id: generateId('wat', 16, now),
        appId: message.appId,
        eventId: message.eventId,
        endpointId: endpoint.id,
        messageId: message.id,
        attemptedAt: sentAt,
        responseStatus: response.status ?? null,
        latencyMs: response.latencyMs,
        error: succeeded ? null : (response.error ?? `status ${response.status}`),
        succeeded: succeeded ? 1 : 0,
      })
      await tx.webhooks.settleMessage(message.id, claimedUntil, {
        status: succeeded ? 'succeeded' : final ? 'failed' : 'pending',
        attempts,
        nextAttemptAt: succeeded || final || delay === undefined ? null : now + delay,
        now,
      })
      disabled = await updateEndpointHealth(tx, deps.events, endpoint, { succeeded, sentAt, now })
      if (disabled) final = true
    })
    if (disabled) await recheck(endpoint.appId)
    deps.onAttempt?.({
      appId: message.appId,
      eventId: message.eventId,
      endpointId: endpoint.id,
      succeeded,
      response,
      final,
    })
  }

  /**
   * Forgets the app unless an endpoint of it is still on. Without this an app whose endpoints were all deleted
   * kept waking a pass after every burst of its events, for nothing. Called when this instance deletes or turns
   * off an endpoint, and after a pass its events woke found none of them to fan out. (An endpoint made on
   * another instance meanwhile is learnt again by the poll, from its events.) Never fails: a failed look leaves
   * the app woken.
   */
  async function recheck(appId: string): Promise<void> {
    try {
      const endpoints = await store.webhooks.listEndpoints(appId)
      if (!endpoints.some((endpoint) => Number(endpoint.enabled) === 1)) appsWithEndpoints.delete(appId)
    } catch (error) {
      logger.warn({ err: error }, "could not look up an app's webhook endpoints; its events still wake the dispatcher")
    }
  }

  async function pass(): Promise<number> {
    const woken = [...wokenBy]
    wokenBy.clear()
    await deps.beforePass?.()
    const found = await fanOut(store, clock)
    for (const appId of found) appsWithEndpoints.add(appId)
    // Woken by an app and nothing of it to fan out: its endpoints may all be gone, deleted or turned off on
    // another instance (this one's own changes call recheck at once). One look then, not a pass per burst for
    // as long as the process runs. When another instance took the events first, the look finds an endpoint on.
    for (const appId of woken) if (!found.has(appId)) await recheck(appId)
    let tries = 0
    for (;;) {
      if (shutdown.signal.aborted) return tries
      const now = clock.nowMs()
      const claimed = await store.transaction((tx) => tx.webhooks.claimDue(now, now + LEASE_MS, CLAIM_BATCH))
      if (claimed.length === 0) return tries
      const endpoints = new Map<string, WebhookEndpointRow | undefined>()
      const events = new Map<string, EventRow | undefined>()
      for (const message of claimed) {
        if (!endpoints.has(message.endpointId)) {
          endpoints.set(message.endpointId, await store.webhooks.findEndpoint(message.appId, message.endpointId))
        }
        if (!events.has(message.eventId)) {
          events.set(message.eventId, await store.events.findById(message.appId, message.eventId))
        }
      }
      // The batch's endpoints are posted in parallel; a slow one holds only its own try (10 s at most).
      await Promise.all(
        claimed.map((message) =>
          deliver(message, endpoints.get(message.endpointId), events.get(message.eventId)).catch((error: unknown) =>
            logger.error({ err: error, eventId: message.eventId }, 'webhook try not recorded'),
          ),
        ),
      )
      tries += claimed.length
      if (claimed.length < CLAIM_BATCH) return tries
    }
  }

  /** One pass at a time per instance; a caller arriving during one waits for it, then gets a pass of its own. */
  async function runOnce(): Promise<number> {
    while (running) await running.catch(() => undefined)
    running = pass().finally(() => {
      running = undefined
    })
    return running
  }

  function schedule(delayMs: number) {
    if (stopped) return
    clearTimeout(timer)
    timer = setTimeout(tick, delayMs)
    timer.unref()
  }

  function tick() {
    wakeDue = false
    runOnce()
      .then(
        () => {
          failing = false
        },
        (error: unknown) => {
          // A database outage is logged once, not every poll.
          if (!failing) logger.error({ err: error }, 'webhook dispatch failed; retrying')
          failing = true
        },
      )
      .finally(() => {
        if (again) {
          again = false
          schedule(0)
        } else schedule(deps.pollIntervalMs)
      })
  }

  // Woken a moment after an event of an app with endpoints is recorded (after the caller's commit, usually):
  // once per burst, a pass already due not pushed back by more events. Events of other apps wait for no one
  // (none is dispatched), so they wake nothing: a pass after every burst of starts cost the request path 5% of
  // its CPU. An app is known to have endpoints once a pass found events of it to fan out (an endpoint made on
  // another instance: the poll finds its first events) or once it has made one here.
  let wakeDue = false
  deps.events.onRecorded((appId) => {
    if (stopped || appId === null || !appsWithEndpoints.has(appId)) return
    wokenBy.add(appId)
    if (running) again = true
    else if (!wakeDue) {
      wakeDue = true
      schedule(WAKE_DELAY_MS)
    }
  })

  return {
    runOnce,
    wakeFor(appId) {
      appsWithEndpoints.add(appId)
    },
    recheck,
    start() {
      stopped = false
      schedule(deps.pollIntervalMs)
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      shutdown.abort()
      await running?.catch(() => undefined)
    },
    async backlog() {
      return (await store.events.countUndispatched()) + (await store.webhooks.countPendingMessages())
    },
  }
}
