import type { Logger } from 'pino'
import { CHANNEL_NAMES, channelNamed } from '../channels/built-in-channels.js'
import { generateId } from '../crypto/secrets.js'
import type {
  CallbackRequest,
  DeliveryStatus,
  StatusCallbackHandler,
  StatusReport,
} from '../delivery/delivery-provider.js'
import type { MessageOptions } from '../delivery/message-options.js'
import type { ChainLink } from '../delivery/provider-chain.js'
import { sendThroughChain } from '../delivery/provider-chain.js'
import type { DeliveryRegistry, ProviderEntry } from '../delivery/provider-registry.js'
import { renderMessage } from '../delivery/templates/render-message.js'
import { AppError } from '../errors/app-error.js'
import type { Metrics } from '../metrics/metrics.js'
import type { AppSettings, ChannelName } from '../settings/app-settings.js'
import type { DeliveryRow, VerificationRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import type { App } from './app-service.js'
import type { Clock } from './clock.js'
import type { EventInput, EventLog } from './event-log.js'

/** One delivery attempt as the API shows it. */
export interface DeliveryView {
  readonly provider: string
  readonly status: DeliveryStatus
  readonly providerMessageId: string | null
  readonly errorCode: string | null
  /** When the status was last set. */
  readonly at: number
}

export interface MessageDelivery {
  /** Throws `channel_not_enabled` when no provider can carry the channel for this app. */
  assertAvailable(app: App, channel: ChannelName): void
  /**
   * Renders the code's message in the person's language and sends it along
   * the app's provider chain, recording every attempt. Throws
   * `invalid_identifier` when a provider says the recipient cannot be
   * reached, `delivery_failed` when no provider took the message.
   */
  deliver(
    app: App,
    row: VerificationRow,
    channel: ChannelName,
    code: string,
    /** A magic link for the email (hosted flow), rendered beside the code. */
    link?: string | undefined,
    /** The caller's choices about this message (its sender, template and substitutions). */
    message?: MessageOptions | undefined,
  ): Promise<void>
  list(appId: string, verificationId: string): Promise<DeliveryView[]>
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

/** Final statuses never change; `queued` may become anything, `sent` only a final one. */
const EARLIER: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  queued: [],
  sent: ['queued'],
  delivered: ['queued', 'sent'],
  undelivered: ['queued', 'sent'],
  failed: ['queued', 'sent'],
}

export function createMessageDelivery(deps: {
  store: Store
  clock: Clock
  registry: DeliveryRegistry
  events: EventLog
  logger: Logger
  metrics: Metrics
  /** TESSERA_PUBLIC_URL: the base of status callback URLs. */
  publicUrl: () => string
  maskIdentifier: (channel: ChannelName, identifier: string) => string | undefined
  /** After a genuine receipt changed a delivery's status (the cross-channel fallback listens). */
  onStatus?: (delivery: DeliveryRow, status: DeliveryStatus) => Promise<void>
}): MessageDelivery {
  const { store, clock, registry, events } = deps
  const statusCallbackUrlFor = (provider: string) =>
    `${deps.publicUrl().replace(/\/+$/, '')}/v1/providers/${provider}/status`

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

  function entriesOf(settings: AppSettings, channel: ChannelName): readonly ProviderEntry[] {
    return settings.channels[channel].providers as readonly ProviderEntry[]
  }

  function chainOf(app: App, channel: ChannelName): readonly ChainLink[] {
    const policy = app.settings.channels[channel].circuit_breaker
    const resolution = registry.chainFor(app.id, channel, entriesOf(app.settings, channel), {
      failureThreshold: policy.failure_threshold,
      cooldownMs: policy.cooldown_seconds * 1000,
    })
    if (!resolution.available) {
      throw new AppError('channel_not_enabled', {
        message: `No delivery provider is available for ${channel} (${resolution.reason}).`,
      })
    }
    return resolution.chain
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
    const candidates = [...entriesOf(settings, channel), ...registry.defaultEntries(channel)].filter(
      (entry) => entry.type === providerName,
    )
    return candidates.some((entry) => {
      try {
        return handler.verify(request, registry.optionsOf(entry, channel) as never, now)
      } catch {
        return false
      }
    })
  }

  /** Every configured entry of a provider name, on every channel: the server's, then each app's. */
  async function* entriesNamed(providerName: string): AsyncGenerator<{ channel: ChannelName; entry: ProviderEntry }> {
    for (const channel of CHANNEL_NAMES) {
      for (const entry of registry.defaultEntries(channel)) if (entry.type === providerName) yield { channel, entry }
    }
    let after: string | undefined
    for (;;) {
      const page = await store.apps.list({ limit: 200, after })
      for (const app of page) {
        const settings = JSON.parse(app.settings) as AppSettings
        for (const channel of CHANNEL_NAMES) {
          const entries = (settings.channels as Record<string, { providers?: ProviderEntry[] } | undefined>)[channel]
          for (const entry of entries?.providers ?? []) if (entry.type === providerName) yield { channel, entry }
        }
      }
      if (page.length < 200) return
      after = page[page.length - 1]?.id
    }
  }

  /** Whether a callback is signed by any configured entry of the provider (the server's or an app's), on any channel. */
  async function signedByAConfiguredEntry(providerName: string, request: CallbackRequest, now: number) {
    for await (const { channel, entry } of entriesNamed(providerName)) {
      const handler = registry.provider(providerName, channel)?.statusCallback
      if (!handler) continue
      try {
        if (handler.verify(request, registry.optionsOf(entry, channel) as never, now)) return true
      } catch {
        // A malformed signature is not this entry's.
      }
    }
    return false
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
    assertAvailable(app, channel) {
      chainOf(app, channel)
    },

    async deliver(app, row, channel, code, link, message) {
      const chain = chainOf(app, channel)
      const rendered = renderMessage({
        settings: app.settings,
        appName: app.name,
        channel,
        scene: message?.templateKey ?? row.scene,
        substitutions: message?.substitutions,
        locale: row.locale ?? undefined,
        code,
        ttlSeconds: row.ttlSeconds,
        link,
        linkOnly: app.settings.email_link_only,
      })
      const outcome = await sendThroughChain(
        chain,
        {
          channel,
          to: row.identifier,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          verificationId: row.id,
          locale: rendered.locale,
          requestedLocale: row.locale ?? undefined,
          values: rendered.values,
          speech: rendered.speech,
          template: rendered.template,
          sender: message?.sender,
        },
        statusCallbackUrlFor,
        () => clock.nowMs(),
      )
      const rows: DeliveryRow[] = outcome.attempts.map((attempt, index) => ({
        id: generateId('dlv', 16, clock.nowMs()),
        appId: app.id,
        verificationId: row.id,
        attempt: index,
        channel,
        provider: attempt.provider,
        status: attempt.status,
        providerMessageId: attempt.providerMessageId ?? null,
        errorCode: attempt.errorCode ?? null,
        createdAt: attempt.atMs,
        updatedAt: attempt.atMs,
      }))
      for (const attempt of outcome.attempts) {
        const result = attempt.status === 'failed' ? 'failed' : 'sent'
        deps.metrics.sends.inc({ channel, provider: attempt.provider, result })
      }
      for (const provider of outcome.skipped) deps.metrics.sends.inc({ channel, provider, result: 'skipped' })
      const identifierMasked = deps.maskIdentifier(channel, row.identifier)
      const failures = outcome.attempts.filter((attempt) => attempt.status === 'failed')
      const about = {
        appId: app.id,
        verificationId: row.id,
        identifierMasked,
        userId: row.userId,
        scene: row.scene,
        channel,
      }
      // The attempts and the events that report them commit together (the outbox, docs/events.md).
      const reports: EventInput[] = outcome.skipped.map((provider) => ({
        ...about,
        kind: 'delivery.skipped' as const,
        details: { provider, reason: 'circuit_open' },
      }))
      const accepted = outcome.attempts.find((attempt) => attempt.status !== 'failed')
      if (outcome.delivered && accepted) {
        reports.push({
          ...about,
          kind: 'delivery.sent',
          details: { provider: accepted.provider, status: accepted.status },
        })
      } else if (!outcome.delivered) {
        reports.push({
          ...about,
          kind: 'delivery.failed',
          clientIp: row.clientIp ?? undefined,
          details: {
            reason: outcome.reason,
            attempts: failures.map((attempt) => ({ provider: attempt.provider, error_code: attempt.errorCode })),
          },
        })
      }
      await events.recordWithRows(
        store,
        rows.map((delivery) => ({ table: 'deliveries' as const, row: delivery })),
        reports,
      )
      if (failures.length > 0) {
        // The provider's error may quote the message; only the provider and its error code are logged.
        deps.logger.warn(
          {
            verificationId: row.id,
            attempts: failures.map((attempt) => ({ provider: attempt.provider, error: attempt.errorCode })),
          },
          outcome.delivered ? 'delivery failed over' : 'delivery failed',
        )
      }
      if (outcome.delivered) return
      if (outcome.reason === 'invalid_recipient') {
        throw new AppError('invalid_identifier', { message: channelNamed(channel).unreachable, reason: 'unreachable' })
      }
      throw new AppError('delivery_failed')
    },

    async list(appId, verificationId) {
      const rows = await store.deliveries.listByVerification(appId, verificationId)
      return rows.map((row) => ({
        provider: row.provider,
        status: row.status,
        providerMessageId: row.providerMessageId,
        errorCode: row.errorCode,
        at: Number(row.updatedAt),
      }))
    },

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
      for await (const { channel, entry } of entriesNamed(providerName)) {
        const handler = registry.provider(providerName, channel)?.statusCallback
        const answer = handler ? attempt(handler, registry.optionsOf(entry, channel)) : undefined
        if (typeof answer === 'string') return answer
      }
      throw new AppError('forbidden', { message: 'The handshake does not match a configured provider.' })
    },
  }
}
