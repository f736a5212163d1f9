import { Value } from '@sinclair/typebox/value'
import type { DeliveryChannel, DeliveryProvider, MessageSender, ProviderDeps } from './delivery-provider.js'

/** Which provider carries a channel, with its options (from configuration). */
export interface ChannelRoute {
  readonly provider: string
  readonly options: Readonly<Record<string, unknown>>
}

export type ChannelSender =
  | { readonly available: true; readonly provider: string; readonly sender: MessageSender }
  | { readonly available: false; readonly provider: string; readonly reason: string }

export interface DeliveryRegistry {
  forChannel(channel: DeliveryChannel): ChannelSender
  close(): Promise<void>
}

/**
 * Builds one sender per channel at start-up. An unknown provider name or
 * options that fail the provider's schema stop start-up (a configuration
 * mistake); a provider that refuses to run here (console in production) leaves
 * its channel unavailable, so requests for it answer `channel_not_enabled`.
 */
export function createDeliveryRegistry(
  providers: readonly DeliveryProvider<never>[],
  routes: Readonly<Record<DeliveryChannel, ChannelRoute>>,
  deps: ProviderDeps,
): DeliveryRegistry {
  const byName = new Map<string, DeliveryProvider<never>>()
  for (const provider of providers) {
    if (byName.has(provider.name)) throw new Error(`Delivery provider registered twice: ${provider.name}`)
    byName.set(provider.name, provider)
  }
  const senders = new Map<DeliveryChannel, ChannelSender>()
  for (const channel of ['sms', 'email'] as const) {
    const route = routes[channel]
    const provider = byName.get(route.provider)
    if (!provider) throw new Error(`Unknown delivery provider "${route.provider}" for ${channel}`)
    if (!provider.channels.includes(channel)) {
      throw new Error(`Delivery provider "${route.provider}" cannot carry ${channel}`)
    }
    const options = Value.Default(provider.optionsSchema, structuredClone(route.options))
    const firstError = Value.Errors(provider.optionsSchema, options).First()
    if (firstError) {
      throw new Error(
        `Invalid options for delivery provider "${route.provider}": ${firstError.path} ${firstError.message}`,
      )
    }
    try {
      senders.set(channel, {
        available: true,
        provider: route.provider,
        sender: provider.create(options as never, deps),
      })
    } catch (error) {
      senders.set(channel, { available: false, provider: route.provider, reason: (error as Error).message })
    }
  }
  return {
    forChannel(channel) {
      const sender = senders.get(channel)
      if (!sender) throw new Error(`No route for channel ${channel}`)
      return sender
    },
    async close() {
      for (const entry of senders.values()) if (entry.available) await entry.sender.close?.()
    },
  }
}
