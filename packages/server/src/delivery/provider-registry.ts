import { Value } from '@sinclair/typebox/value'
import { CircuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js'
import type { DeliveryChannel, DeliveryProvider, ProviderDeps } from './delivery-provider.js'
import type { ChainLink } from './provider-chain.js'
import { secretFieldsOf, unsealEntry } from './provider-secrets.js'

/** One entry of a provider chain, as settings and the environment hold it: `type`, `timeout_ms`, the provider's fields. */
export type ProviderEntry = Readonly<Record<string, unknown>> & { readonly type: string }

export type ChainResolution =
  | { readonly available: true; readonly chain: readonly ChainLink[] }
  | { readonly available: false; readonly reason: string }

export interface DeliveryRegistry {
  /**
   * The chain that carries a channel for an app: its own providers when it
   * names some, else the server's default chain. Built once per distinct
   * configuration and cached; breakers live as long as the configuration.
   */
  chainFor(
    scope: string,
    channel: DeliveryChannel,
    entries: readonly ProviderEntry[],
    breaker: CircuitBreakerPolicy,
  ): ChainResolution
  /** Names of the server's default providers for a channel (for the start-up banner). */
  defaultProviders(channel: DeliveryChannel): string[]
  /** The server's default entries (plain options, from the environment). */
  defaultEntries(channel: DeliveryChannel): readonly ProviderEntry[]
  /** Whether an entry names a provider that can carry the channel with valid options; what is wrong otherwise. */
  checkEntry(channel: DeliveryChannel, entry: Readonly<Record<string, unknown>>): string | undefined
  provider(name: string): DeliveryProvider<never> | undefined
  /** Secret fields of a provider type (encrypted at rest, masked on read). */
  secretFields(type: string): readonly string[]
  /** Options of an entry as its sender sees them: defaults filled, secrets decrypted. */
  optionsOf(entry: ProviderEntry): Record<string, unknown>
  close(): Promise<void>
}

/** Fields of an entry that belong to the chain, not to the provider. */
const CHAIN_FIELDS = new Set(['type', 'timeout_ms'])
const DEFAULT_TIMEOUT_MS = 5000

function providerFields(entry: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(entry)) if (!CHAIN_FIELDS.has(name)) out[name] = value
  return out
}

/**
 * The registered providers and the chains built from them. An unknown
 * provider name or bad options in the server's default chain stop start-up
 * (a configuration mistake); in an app's settings they are refused when
 * saved. A provider that refuses to run here (console in production) leaves
 * its chain unavailable, so requests answer `channel_not_enabled`.
 */
export function createDeliveryRegistry(
  providers: readonly DeliveryProvider<never>[],
  defaults: Readonly<Record<DeliveryChannel, readonly ProviderEntry[]>>,
  deps: ProviderDeps & { readonly unseal: (sealed: string) => string; readonly allowInternal: boolean },
): DeliveryRegistry {
  const byName = new Map<string, DeliveryProvider<never>>()
  for (const provider of providers) {
    if (byName.has(provider.name)) throw new Error(`Delivery provider registered twice: ${provider.name}`)
    byName.set(provider.name, provider)
  }
  const secretFieldsByType = new Map(
    [...byName].map(([name, provider]) => [name, secretFieldsOf(provider.optionsSchema)]),
  )

  function checkEntry(channel: DeliveryChannel, entry: Readonly<Record<string, unknown>>): string | undefined {
    const name = String(entry.type)
    const provider = byName.get(name)
    if (!provider)
      return `unknown provider "${name}" (known: ${[...byName.keys()].filter((known) => !byName.get(known)?.internal).join(', ')})`
    if (provider.internal && !deps.allowInternal) return `provider "${name}" is for tests and the benchmark only`
    if (!provider.channels.includes(channel)) return `provider "${name}" cannot carry ${channel}`
    const options = Value.Default(provider.optionsSchema, structuredClone(providerFields(entry)))
    const firstError = Value.Errors(provider.optionsSchema, options).First()
    if (firstError) return `${firstError.path.slice(1).replaceAll('/', '.') || 'options'}: ${firstError.message}`
    return provider.validate?.(options as never)
  }

  function optionsOf(entry: ProviderEntry): Record<string, unknown> {
    const provider = byName.get(entry.type)
    const plain = unsealEntry(providerFields(entry), deps.unseal)
    return provider ? (Value.Default(provider.optionsSchema, plain) as Record<string, unknown>) : plain
  }

  for (const channel of ['sms', 'email'] as const) {
    defaults[channel].forEach((entry, index) => {
      const problem = checkEntry(channel, entry)
      if (problem) {
        const variable = channel === 'sms' ? 'TESSERA_SMS_PROVIDERS' : 'TESSERA_EMAIL_PROVIDERS'
        throw new Error(`${variable}: entry ${index} (${entry.type}): ${problem}`)
      }
    })
  }

  interface CachedChain {
    readonly key: string
    readonly resolution: ChainResolution
  }
  const chains = new Map<string, CachedChain>()

  function build(channel: DeliveryChannel, entries: readonly ProviderEntry[], policy: CircuitBreakerPolicy) {
    const links: ChainLink[] = []
    for (const entry of entries) {
      const provider = byName.get(entry.type)
      if (!provider) return { available: false as const, reason: `unknown provider ${entry.type}` }
      try {
        links.push({
          provider: provider.name,
          sender: provider.create(optionsOf(entry) as never, deps),
          timeoutMs: typeof entry.timeout_ms === 'number' ? entry.timeout_ms : DEFAULT_TIMEOUT_MS,
          breaker: new CircuitBreaker(policy, deps.nowMs),
        })
      } catch (error) {
        // A provider that refuses to run here is left out; the chain stands if another remains.
        if (entries.length === 1)
          return { available: false as const, reason: `${entry.type}: ${(error as Error).message}` }
      }
    }
    if (links.length === 0) return { available: false as const, reason: `no provider configured for ${channel}` }
    return { available: true as const, chain: links }
  }

  return {
    chainFor(scope, channel, entries, policy) {
      const effective = entries.length > 0 ? entries : defaults[channel]
      const effectiveScope = entries.length > 0 ? scope : 'server'
      const slot = `${effectiveScope}:${channel}`
      const key = JSON.stringify([effective, policy])
      const cached = chains.get(slot)
      if (cached?.key === key) return cached.resolution
      if (cached?.resolution.available) for (const link of cached.resolution.chain) void link.sender.close?.()
      const resolution = build(channel, effective, policy)
      chains.set(slot, { key, resolution })
      return resolution
    },
    defaultProviders: (channel) => defaults[channel].map((entry) => entry.type),
    defaultEntries: (channel) => defaults[channel],
    checkEntry,
    provider: (name) => byName.get(name),
    secretFields: (type) => secretFieldsByType.get(type) ?? [],
    optionsOf,
    async close() {
      for (const cached of chains.values()) {
        if (cached.resolution.available) for (const link of cached.resolution.chain) await link.sender.close?.()
      }
      chains.clear()
    },
  }
}
