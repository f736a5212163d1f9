import type { Logger } from 'pino'
import { CHANNEL_NAMES } from '../channels/built-in-channels.js'
import type {
  CallbackRequest,
  DeliveryStatus,
  StatusCallbackHandler,
  StatusReport,
} from '../delivery/delivery-provider.js'
import type { DeliveryRegistry, ProviderEntry } from '../delivery/provider-registry.js'
import { AppError } from '../errors/app-error.js'
import type { Metrics } from '../metrics/metrics.js'
import type { AppSettings, ChannelName } from '../settings/app-settings.js'
import type { DeliveryRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import type { Clock } from './clock.js'
import type { EventLog } from './event-log.js'

/** What providers post back to `/v1/providers/{provider}/status`: receipts and subscription handshakes. */
export interface StatusCallbacks {
  /**
   * A provider's status callback: genuine (signed with the credentials of a
   * provider that sent this message) or refused with `unauthorized`, changing
   * nothing. Statuses only move forward.
   */
  receiveStatus(providerName: string, request: CallbackRequest): Promise<void>
  /**
   * A provider's subscription handshake at its status URL (Meta's `hub.challenge`): the body to answer, or
   * undefined when the request is no handshake; `forbidden` when no configured provider's token matches.
   */
  handshake(providerName: string, request: CallbackRequest): Promise<string | undefined>
}

/** A provider entry configured for a channel, on the server or in an app's settings. */
interface ConfiguredEntry {
  readonly channel: ChannelName
  readonly entry: ProviderEntry
}

/** How old the list of a provider's configured entries may be before a request that matched none reads it again. */
const REREAD_AFTER_MS = 1000
/** How old it may be at all: a removed or rotated credential stops being accepted within this. */
const MAX_AGE_MS = 60_000

/** Final statuses never change; `queued` may become anything, `sent` only a final one. */
const EARLIER: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  queued: [],
  sent: ['queued'],
  delivered: ['queued', 'sent'],
  undelivered: ['queued', 'sent'],
  failed: ['queued', 'sent'],
}

/** The provider entries an app's settings name for a channel, in chain order. */
export function providerEntriesOf(settings: AppSettings, channel: ChannelName): readonly ProviderEntry[] {
  return settings.channels[channel].providers as readonly ProviderEntry[]
}

export function createStatusCallbacks(deps: {
  store: Store
  clock: Clock
  registry: DeliveryRegistry
  events: EventLog
  logger: Logger
  metrics: Metrics
  /** After a genuine receipt changed a delivery's status (the cross-channel fallback listens). */
  onStatus?: (delivery: DeliveryRow, status: DeliveryStatus) => Promise<void>
}): StatusCallbacks {
  const { store, clock, registry, events } = deps

  /** When each message's last refused callback was recorded (bounded: oldest dropped first). */
  const lastRefusalEvent = new Map<string, number>()
  function refusalRecorded(deliveryId: string, now: number): boolean {
    const last = lastRefusalEvent.get(deliveryId)
    if (last !== undefined && now - last < 60_000) return false
    lastRefusalEvent.delete(deliveryId)
    lastRefusalEvent.set(deliveryId, now)
    if (lastRefusalEvent.size > 10_000) {
      const oldest = lastRefusalEvent.keys().next().value
      if (oldest !== undefined) lastRefusalEvent.delete(oldest)
    }
    return true
  }

  /** Whether `entry`'s credentials sign the callback; a malformed signature is nobody's. */
  function signedWith(
    handler: StatusCallbackHandler<never>,
    entry: ProviderEntry,
    channel: ChannelName,
    request: CallbackRequest,
    now: number,
  ): boolean {
    try {
      return handler.verify(request, registry.optionsOf(entry, channel) as never, now)
    } catch {
      return false
    }
  }

  /** Whether a callback is signed by a provider of this name that could have sent the app's message: the app's own, then the server's. */
  async function isGenuine(
    providerName: string,
    channel: ChannelName,
    appId: string,
    handler: StatusCallbackHandler<never>,
    request: CallbackRequest,
    now: number,
  ): Promise<boolean> {
    const app = await store.apps.findById(appId)
    if (!app) return false
    const settings = JSON.parse(app.settings) as AppSettings
    return [...providerEntriesOf(settings, channel), ...registry.defaultEntries(channel)].some(
      (entry) => entry.type === providerName && signedWith(handler, entry, channel, request, now),
    )
  }

  /** Every configured entry of a provider name, on every channel: the server's, then each app's. */
  async function readEntriesNamed(providerName: string): Promise<ConfiguredEntry[]> {
    const found: ConfiguredEntry[] = []
    for (const channel of CHANNEL_NAMES) {
      for (const entry of registry.defaultEntries(channel))
        if (entry.type === providerName) found.push({ channel, entry })
    }
    let after: string | undefined
    for (;;) {
      const page = await store.apps.list({ limit: 200, after })
      for (const app of page) {
        const settings = JSON.parse(app.settings) as AppSettings
        for (const channel of CHANNEL_NAMES) {
          const entries = (settings.channels as Record<string, { providers?: ProviderEntry[] } | undefined>)[channel]
          for (const entry of entries?.providers ?? []) if (entry.type === providerName) found.push({ channel, entry })
        }
      }
      if (page.length < 200) return found
      after = page[page.length - 1]?.id
    }
  }

  /**
   * The route takes no key, so anyone may make Tessera look through every app's providers: the list is kept
   * per provider name, shared by concurrent callers, and read again when a request matched none of it and the
   * list is over a second old (an entry configured moments ago, maybe on another instance), and in any case
   * once it is a minute old (an entry removed or rotated). So a flood of unmatched callbacks costs one read of
   * the apps a second, not one per request.
   */
  const entriesByName = new Map<string, { readAt: number; entries: Promise<ConfiguredEntry[]> }>()
  function entriesRead(providerName: string, now: number) {
    const read = { readAt: now, entries: readEntriesNamed(providerName) }
    entriesByName.set(providerName, read)
    // A failed read is not kept: the next request reads again.
    read.entries.catch(() => {
      if (entriesByName.get(providerName) === read) entriesByName.delete(providerName)
    })
    return read
  }

  /** The first configured entry of the provider for which `match` answers something, and that answer. */
  async function firstMatch<T>(
    providerName: string,
    now: number,
    match: (configured: ConfiguredEntry) => T | undefined,
  ): Promise<T | undefined> {
    const find = (entries: readonly ConfiguredEntry[]) => {
      for (const configured of entries) {
        const answer = match(configured)
        if (answer !== undefined) return answer
      }
      return undefined
    }
    let known = entriesByName.get(providerName)
    if (known !== undefined && now - known.readAt >= MAX_AGE_MS) known = undefined
    if (known !== undefined) {
      const answer = find(await known.entries)
      if (answer !== undefined || now - known.readAt < REREAD_AFTER_MS) return answer
    }
    const current = entriesByName.get(providerName)
    // Another request may have started a fresh read meanwhile: share it.
    const fresh = current !== undefined && current !== known && now - current.readAt < MAX_AGE_MS
    const read = fresh ? current : entriesRead(providerName, now)
    return find(await read.entries)
  }

  /** Whether a callback is signed by any configured entry of the provider (the server's or an app's), on any channel. */
  async function signedByAConfiguredEntry(providerName: string, request: CallbackRequest, now: number) {
    const signed = await firstMatch(providerName, now, ({ channel, entry }) => {
      const handler = registry.provider(providerName, channel)?.statusCallback
      return handler && signedWith(handler, entry, channel, request, now) ? true : undefined
    })
    return signed === true
  }

  /** A genuine report: statuses only move forward; each change is an event and may start a fallback. */
  async function applyReport(providerName: string, delivery: DeliveryRow, report: StatusReport, now: number) {
    // A status and its event commit together. `queued` and `sent` add nothing to the send's own delivery.sent.
    const kind =
      report.status === 'delivered'
        ? ('delivery.delivered' as const)
        : report.status === 'failed' || report.status === 'undelivered'
          ? ('delivery.failed' as const)
          : undefined
    const changed = await store.transaction(async (tx) => {
      const updated = await tx.deliveries.updateStatus(delivery.id, {
        status: report.status,
        errorCode: report.errorCode ?? null,
        from: EARLIER[report.status],
        now,
      })
      if (!updated || kind === undefined) return updated
      await events.recordIn(tx, {
        appId: delivery.appId,
        kind,
        verificationId: delivery.verificationId,
        channel: delivery.channel,
        details: {
          provider: providerName,
          status: report.status,
          source: 'status_callback',
          ...(report.errorCode ? { error_code: report.errorCode } : {}),
        },
      })
      return updated
    })
    if (!changed) return
    // Send to receipt: the attempt's row was written when the provider took the message.
    if (report.status === 'delivered') {
      const seconds = Math.max(0, now - Number(delivery.createdAt)) / 1000
      deps.metrics.deliveryLatency.observe({ channel: delivery.channel, provider: providerName }, seconds)
    }
    // The receipt is recorded whatever the fallback does: its trouble is logged, not answered to the provider.
    await deps.onStatus?.(delivery, report.status).catch((error: unknown) => {
      deps.logger.error(
        { err: error, verificationId: delivery.verificationId },
        'channel fallback after a receipt failed',
      )
    })
  }

  return {
    async receiveStatus(providerName, request) {
      const refuse = () =>
        new AppError('unauthorized', { message: 'The status callback is not signed by a known sender.' })
      // One name may stand for a provider per channel (Twilio's SMS and its calls): any of them may read the callback.
      const handlers = registry
        .providersNamed(providerName)
        .flatMap((provider) => (provider.statusCallback ? [provider.statusCallback] : []))
      if (handlers.length === 0)
        throw new AppError('not_found', { message: `No status callbacks for "${providerName}".` })
      const reportsOf = (handler: StatusCallbackHandler<never>): readonly (StatusReport | undefined)[] =>
        handler.parseAll ? handler.parseAll(request) : [handler.parse(request)]
      const messageIds = new Set<string>()
      for (const handler of handlers) {
        const ids = handler.parseAll ? reportsOf(handler).map((report) => report?.providerMessageId) : []
        for (const id of [...ids, handler.messageIdOf(request)]) if (id) messageIds.add(id)
      }
      const now = clock.nowMs()
      let known = 0
      for (const messageId of messageIds) {
        const delivery = await store.deliveries.findByProviderMessage(providerName, messageId)
        if (!delivery) continue
        const channel = delivery.channel as ChannelName
        const handler = registry.provider(providerName, channel)?.statusCallback
        if (!handler) continue
        known++
        if (!(await isGenuine(providerName, channel, delivery.appId, handler, request, now))) {
          // The route takes no key, so anyone may knock: at most one event per message per minute.
          if (!refusalRecorded(delivery.id, now)) throw refuse()
          await events.record({
            appId: delivery.appId,
            kind: 'delivery.callback_refused',
            verificationId: delivery.verificationId,
            details: { provider: providerName },
          })
          throw refuse()
        }
        const reports = reportsOf(handler).filter((report) => report?.providerMessageId === messageId)
        if (reports.length === 0)
          throw new AppError('invalid_request', { message: 'The status callback carries no known status.' })
        for (const report of reports) if (report) await applyReport(providerName, delivery, report, now)
      }
      // Nothing of ours in it: a status of a message another system sent from the same sender, or a notification
      // with no status at all (Meta posts incoming messages to the same URL). Acknowledged when signed by a
      // configured provider (else the provider retries, then disables the webhook); refused when not.
      if (known === 0 && !(await signedByAConfiguredEntry(providerName, request, now))) throw refuse()
    },

    async handshake(providerName, request) {
      const attempt = (handler: StatusCallbackHandler<never>, options: unknown): string | false | undefined => {
        try {
          return handler.handshake?.(request, options as never)
        } catch {
          return false
        }
      }
      // Whether this is a handshake at all is the provider's to say, before any credentials are looked at.
      const isHandshake = registry
        .providersNamed(providerName)
        .some((provider) => provider.statusCallback && attempt(provider.statusCallback, {}) !== undefined)
      if (!isHandshake) return undefined
      const answer = await firstMatch(providerName, clock.nowMs(), ({ channel, entry }) => {
        const handler = registry.provider(providerName, channel)?.statusCallback
        const answered = handler ? attempt(handler, registry.optionsOf(entry, channel)) : undefined
        return typeof answered === 'string' ? answered : undefined
      })
      if (answer !== undefined) return answer
      throw new AppError('forbidden', { message: 'The handshake does not match a configured provider.' })
    },
  }
}
