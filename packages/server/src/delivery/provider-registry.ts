import { Value } from '@sinclair/typebox/value'
import { BUILT_IN_CHANNELS } from '../channels/built-in-channels.js'
import type { ChannelName } from '../settings/app-settings.js'
import { CircuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js'
import type { DeliveryProvider, ProviderDeps } from './delivery-provider.js'
import type { ChainLink } from './provider-chain.js'
import { secretFieldsOf, unsealEntry } from './provider-secrets.js'

/**
 * One entry of a provider chain, as settings and the environment hold it: `type`, `timeout_ms`, the provider's
 * fields. The one entry type: its schema is `ProviderEntrySchema` (settings/app-settings.ts).
 */
export type ProviderEntry = Readonly<Record<string, unknown>> & { readonly type: string }

export type ChainResolution =
  | { readonly available: true; readonly chain: readonly ChainLink[] }
  | { readonly available: false; readonly reason: string }

export interface DeliveryRegistry {
  /**
   * The chain that carries a channel for a scope (an app): its own providers
   * when it names some, else the server's default chain. Senders are built
   * once per distinct configuration and shared; each scope has its own
   * breakers, kept as long as its configuration and policy stay the same.
   */
  chainFor(
    scope: string,
    channel: ChannelName,
    entries: readonly ProviderEntry[],
    breaker: CircuitBreakerPolicy,
  ): ChainResolution
  /** Names of the server's default providers for a channel (for the start-up banner). */
  defaultProviders(channel: ChannelName): string[]
  /** The server's default entries (plain options, from the environment). */
  defaultEntries(channel: ChannelName): readonly ProviderEntry[]
  /** Whether an entry names a provider that can carry the channel with valid options; what is wrong otherwise. */
  checkEntry(channel: ChannelName, entry: Readonly<Record<string, unknown>>): string | undefined
  /** The provider of this name that carries this channel (one name may stand for one provider per channel). */
  provider(name: string, channel: ChannelName): DeliveryProvider<never> | undefined
  /** Every registered provider of this name, one per channel it carries (status callbacks are by name). */
  providersNamed(name: string): readonly DeliveryProvider<never>[]
  /** Secret fields of a provider type on a channel (encrypted at rest, masked on read). */
  secretFields(type: string, channel: ChannelName): readonly string[]
  /** Options of an entry of a channel's chain as its sender sees them: defaults filled, secrets decrypted. */
  optionsOf(entry: ProviderEntry, channel: ChannelName): Record<string, unknown>
  /**
   * Per provider in use, how many of its breakers (one per scope's chain) are open now: messages skip it.
   * Every provider of a live chain is listed, with 0 when none is open.
   */
  openBreakers(): Map<string, number>
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
  defaults: Readonly<Partial<Record<ChannelName, readonly ProviderEntry[]>>>,
  deps: ProviderDeps & { readonly unseal: (sealed: string) => string; readonly allowInternal: boolean },
): DeliveryRegistry {
  // A name stands for one provider per channel: Twilio's Messages API for SMS and its Calls API for calls are
  // two providers named `twilio`, each with the fields its API needs.
  const byName = new Map<string, DeliveryProvider<never>[]>()
  const byChannel = new Map<string, DeliveryProvider<never>>()
  for (const provider of providers) {
    for (const channel of provider.channels) {
      const key = `${provider.name}\u0000${channel}`
      if (byChannel.has(key)) throw new Error(`Delivery provider registered twice: ${provider.name} (${channel})`)
      byChannel.set(key, provider)
    }
    byName.set(provider.name, [...(byName.get(provider.name) ?? []), provider])
  }
  const providerFor = (name: string, channel: string) => byChannel.get(`${name}\u0000${channel}`)
  const secretFieldsByProvider = new Map(
    providers.map((provider) => [provider, secretFieldsOf(provider.optionsSchema)]),
  )

  function checkEntry(channel: ChannelName, entry: Readonly<Record<string, unknown>>): string | undefined {
    const name = String(entry.type)
    const named = byName.get(name)
    if (!named)
      return `unknown provider "${name}" (known: ${[...byName.keys()].filter((known) => !byName.get(known)?.every((p) => p.internal)).join(', ')})`
    const provider = providerFor(name, channel)
    if (!provider) return `provider "${name}" cannot carry ${channel}`
    if (provider.internal && !deps.allowInternal) return `provider "${name}" is for tests and the benchmark only`
    const timeout = entry.timeout_ms
    if (
      timeout !== undefined &&
      !(Number.isInteger(timeout) && (timeout as number) >= 100 && (timeout as number) <= 30_000)
    ) {
      return 'timeout_ms: must be an integer from 100 to 30000'
    }
    const options = Value.Default(provider.optionsSchema, structuredClone(providerFields(entry)))
    const firstError = Value.Errors(provider.optionsSchema, options).First()
    if (firstError) return `${firstError.path.slice(1).replaceAll('/', '.') || 'options'}: ${firstError.message}`
    return provider.validate?.(options as never)
  }

  function optionsOf(entry: ProviderEntry, channel: ChannelName): Record<string, unknown> {
    const provider = providerFor(entry.type, channel)
    const plain = unsealEntry(providerFields(entry), deps.unseal)
    return provider ? (Value.Default(provider.optionsSchema, plain) as Record<string, unknown>) : plain
  }

  for (const channel of BUILT_IN_CHANNELS) {
    ;(defaults[channel.name] ?? []).forEach((entry, index) => {
      const problem = checkEntry(channel.name, entry)
      if (problem) throw new Error(`${channel.providersVariable}: entry ${index} (${entry.type}): ${problem}`)
    })
  }

  /**
   * Senders are shared by every scope (app or server) with the same entries,
   * and closed when no scope uses them any more; breakers belong to a scope
   * and its policy, so one app's thresholds never reset another's breakers.
   */
  interface SharedSenders {
    readonly links: readonly Omit<ChainLink, 'breaker'>[] | { readonly unavailable: string }
    readonly users: Set<string>
  }
  const sendersByEntries = new Map<string, SharedSenders>()
  interface ScopeChain {
    readonly entriesKey: string
    readonly policyKey: string
    readonly resolution: ChainResolution
  }
  const chains = new Map<string, ScopeChain>()
  /** The key of an entries list, by identity: an app's settings object lives for its cache's lifetime, so most sends skip the stringify. */
  const keyOfEntries = new WeakMap<readonly ProviderEntry[], string>()
  function entriesKeyOf(channel: ChannelName, entries: readonly ProviderEntry[]): string {
    let key = keyOfEntries.get(entries)
    if (key === undefined) {
      key = `${channel}:${JSON.stringify(entries)}`
      keyOfEntries.set(entries, key)
    }
    return key
  }

  function buildSenders(channel: ChannelName, entries: readonly ProviderEntry[]): SharedSenders['links'] {
    const links: Omit<ChainLink, 'breaker'>[] = []
    for (const entry of entries) {
      const provider = providerFor(entry.type, channel)
      if (!provider) return { unavailable: `unknown provider ${entry.type}` }
      try {
        links.push({
          provider: provider.name,
          sender: provider.create(optionsOf(entry, channel) as never, deps),
          timeoutMs: typeof entry.timeout_ms === 'number' ? entry.timeout_ms : DEFAULT_TIMEOUT_MS,
        })
      } catch (error) {
        // A provider that refuses to run here is left out; the chain stands if another remains.
        if (entries.length === 1) return { unavailable: `${entry.type}: ${(error as Error).message}` }
      }
    }
    return links.length > 0 ? links : { unavailable: 'no provider configured' }
  }

  function release(entriesKey: string, slot: string): void {
    const shared = sendersByEntries.get(entriesKey)
    if (!shared) return
    shared.users.delete(slot)
    if (shared.users.size > 0) return
    sendersByEntries.delete(entriesKey)
    if (!('unavailable' in shared.links)) for (const link of shared.links) void link.sender.close?.()
  }

  return {
    chainFor(scope, channel, entries, policy) {
      const effective = entries.length > 0 ? entries : (defaults[channel] ?? [])
      const slot = `${scope}:${channel}`
      const entriesKey = entriesKeyOf(channel, effective)
      const policyKey = `${policy.failureThreshold}:${policy.cooldownMs}`
      const cached = chains.get(slot)
      if (cached?.entriesKey === entriesKey && cached.policyKey === policyKey) return cached.resolution
      let shared = sendersByEntries.get(entriesKey)
      if (!shared) {
        shared = { links: buildSenders(channel, effective), users: new Set() }
        sendersByEntries.set(entriesKey, shared)
      }
      shared.users.add(slot)
      if (cached && cached.entriesKey !== entriesKey) release(cached.entriesKey, slot)
      const resolution: ChainResolution =
        'unavailable' in shared.links
          ? { available: false, reason: shared.links.unavailable }
          : {
              available: true,
              // built once, not per request: a spread here costs nothing (docs/decisions.md)
              chain: shared.links.map((link) => ({ ...link, breaker: new CircuitBreaker(policy, deps.nowMs) })),
            }
      chains.set(slot, { entriesKey, policyKey, resolution })
      return resolution
    },
    defaultProviders: (channel) => (defaults[channel] ?? []).map((entry) => entry.type),
    defaultEntries: (channel) => defaults[channel] ?? [],
    checkEntry,
    provider: providerFor,
    providersNamed: (name) => byName.get(name) ?? [],
    secretFields: (type, channel) => {
      const provider = providerFor(type, channel)
      return provider ? (secretFieldsByProvider.get(provider) ?? []) : []
    },
    optionsOf,
    openBreakers() {
      const open = new Map<string, number>()
      for (const { resolution } of chains.values()) {
        if (!resolution.available) continue
        for (const link of resolution.chain) {
          open.set(link.provider, (open.get(link.provider) ?? 0) + (link.breaker.state() === 'open' ? 1 : 0))
        }
      }
      return open
    },
    async close() {
      for (const shared of sendersByEntries.values()) {
        if (!('unavailable' in shared.links)) for (const link of shared.links) await link.sender.close?.()
      }
      sendersByEntries.clear()
      chains.clear()
    },
  }
}
