import type { Logger } from 'pino'
import { channelNamed } from '../channels/built-in-channels.js'
import { generateId } from '../crypto/secrets.js'
import type { DeliveryStatus } from '../delivery/delivery-provider.js'
import type { MessageOptions } from '../delivery/message-options.js'
import type { ChainLink } from '../delivery/provider-chain.js'
import { sendThroughChain } from '../delivery/provider-chain.js'
import type { DeliveryRegistry } from '../delivery/provider-registry.js'
import { renderMessage } from '../delivery/templates/render-message.js'
import { AppError } from '../errors/app-error.js'
import type { Metrics } from '../metrics/metrics.js'
import type { ChannelName } from '../settings/app-settings.js'
import type { DeliveryRow, VerificationRow } from '../storage/database.js'
import type { Store } from '../storage/store.js'
import type { App } from './app-service.js'
import type { Clock } from './clock.js'
import type { EventInput, EventKind, EventLog } from './event-log.js'
import { createStatusCallbacks, providerEntriesOf, type StatusCallbacks } from './status-callbacks.js'

/** One delivery attempt as the API shows it. */
export interface DeliveryView {
  readonly provider: string
  readonly status: DeliveryStatus
  readonly providerMessageId: string | null
  readonly errorCode: string | null
  /** When the status was last set. */
  readonly at: number
}

/** Sending codes (and the provider callbacks about what was sent, status-callbacks.ts). */
export interface MessageDelivery extends StatusCallbacks {
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
  const callbacks = createStatusCallbacks(deps)
  const statusCallbackUrlFor = (provider: string) =>
    `${deps.publicUrl().replace(/\/+$/, '')}/v1/providers/${provider}/status`

  function chainOf(app: App, channel: ChannelName): readonly ChainLink[] {
    const policy = app.settings.channels[channel].circuit_breaker
    const resolution = registry.chainFor(app.id, channel, providerEntriesOf(app.settings, channel), {
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

  // built once, not per request: a spread here costs nothing (docs/decisions.md)
  return {
    ...callbacks,
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
      // Each event a whole literal, not `{ ...about, kind }`: see docs/decisions.md, "No object literal that adds
      // a field after a spread".
      const report = (kind: EventKind, details: EventInput['details'], clientIp?: string): EventInput => ({
        appId: app.id,
        kind,
        verificationId: row.id,
        identifierMasked,
        clientIp,
        userId: row.userId,
        scene: row.scene,
        channel,
        details,
      })
      // The attempts and the events that report them commit together (the outbox, docs/events.md).
      const reports = outcome.skipped.map((provider) =>
        report('delivery.skipped', { provider, reason: 'circuit_open' }),
      )
      const accepted = outcome.attempts.find((attempt) => attempt.status !== 'failed')
      if (outcome.delivered && accepted) {
        reports.push(report('delivery.sent', { provider: accepted.provider, status: accepted.status }))
      } else if (!outcome.delivered) {
        reports.push(
          report(
            'delivery.failed',
            {
              reason: outcome.reason,
              attempts: failures.map((attempt) => ({ provider: attempt.provider, error_code: attempt.errorCode })),
            },
            row.clientIp ?? undefined,
          ),
        )
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
  }
}
