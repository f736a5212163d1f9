import type { CircuitBreaker } from './circuit-breaker.js'
import {
  DeliveryError,
  type DeliveryStatus,
  type MessageSender,
  type OutboundMessage,
  type SendOptions,
} from './delivery-provider.js'

/** One provider of a chain, ready to send. */
export interface ChainLink {
  readonly provider: string
  readonly sender: MessageSender
  readonly timeoutMs: number
  readonly breaker: CircuitBreaker
}

/** One try of one provider for one message: every one is recorded, the failed ones too. */
export interface DeliveryAttempt {
  readonly provider: string
  readonly status: DeliveryStatus
  readonly providerMessageId: string | undefined
  readonly errorCode: string | undefined
  readonly atMs: number
}

export type ChainOutcome =
  | { readonly delivered: true; readonly attempts: DeliveryAttempt[]; readonly skipped: string[] }
  | {
      readonly delivered: false
      /** `invalid_recipient`: a provider said no one can reach this number or address. */
      readonly reason: 'invalid_recipient' | 'all_failed'
      readonly attempts: DeliveryAttempt[]
      readonly skipped: string[]
    }

/**
 * What a sender is given for one attempt, each part made only when the sender asks for it (the null provider
 * never does): the deadline's timer and the callback URL.
 *
 * A class, not an object literal with getters: V8 gives each such literal its own accessor pairs, allocated in
 * the old generation, and their closures (with the message they reach) then survived every scavenge while
 * the request ran and after it. That was about 750 kB promoted per scavenge on a start, the old generation
 * filling in about a second, and the major collections' marking took the event loop's core for 20-45 ms at
 * a time (docs/benchmarks.md, "Promoted by a getter").
 */
class AttemptOptions implements SendOptions {
  #signal: AbortSignal | undefined

  constructor(
    private readonly link: ChainLink,
    private readonly statusCallbackUrlFor: (provider: string) => string,
  ) {}

  get signal(): AbortSignal {
    this.#signal ??= AbortSignal.timeout(this.link.timeoutMs)
    return this.#signal
  }

  get statusCallbackUrl(): string {
    return this.statusCallbackUrlFor(this.link.provider)
  }
}

/**
 * Sends one message along an ordered chain. Each provider's breaker is asked
 * just before that provider would be tried (so a probe slot is taken only by
 * a message that really probes); an open breaker skips the provider. Each
 * attempt runs under its own timeout; an error or a timeout moves on to the
 * next provider; an invalid recipient stops the chain. When every breaker
 * was open, the first provider is tried anyway: sending through a doubtful
 * provider beats not sending.
 */
export async function sendThroughChain(
  chain: readonly ChainLink[],
  message: OutboundMessage,
  statusCallbackUrlFor: (provider: string) => string,
  nowMs: () => number,
): Promise<ChainOutcome> {
  const attempts: DeliveryAttempt[] = []
  const skipped: string[] = []

  /** One attempt; answers whether the chain should stop (delivered, or an invalid recipient). */
  async function attempt(link: ChainLink): Promise<'delivered' | 'invalid_recipient' | 'next'> {
    try {
      const receipt = await link.sender.send(message, new AttemptOptions(link, statusCallbackUrlFor))
      link.breaker.succeeded()
      attempts.push({
        provider: link.provider,
        status: receipt.status ?? 'sent',
        providerMessageId: receipt.providerMessageId,
        errorCode: undefined,
        atMs: nowMs(),
      })
      return 'delivered'
    } catch (error) {
      const deliveryError =
        error instanceof DeliveryError ? error : new DeliveryError('provider failed', { code: 'error', cause: error })
      attempts.push({
        provider: link.provider,
        status: 'failed',
        providerMessageId: undefined,
        errorCode: deliveryError.code ?? deliveryError.kind,
        atMs: nowMs(),
      })
      // The provider answered sensibly about this recipient (unreachable, or throttled for this number):
      // it works, so its breaker counts a success.
      if (deliveryError.kind === 'invalid_recipient' || deliveryError.kind === 'recipient_limited') {
        link.breaker.succeeded()
      } else {
        link.breaker.failed()
      }
      return deliveryError.kind === 'invalid_recipient' ? 'invalid_recipient' : 'next'
    }
  }

  for (const link of chain) {
    if (!link.breaker.tryAcquire()) {
      skipped.push(link.provider)
      continue
    }
    const result = await attempt(link)
    if (result === 'delivered') return { delivered: true, attempts, skipped }
    if (result === 'invalid_recipient') return { delivered: false, reason: 'invalid_recipient', attempts, skipped }
  }
  const first = chain[0]
  if (attempts.length === 0 && first) {
    skipped.shift()
    const result = await attempt(first)
    if (result === 'delivered') return { delivered: true, attempts, skipped }
    if (result === 'invalid_recipient') return { delivered: false, reason: 'invalid_recipient', attempts, skipped }
  }
  return { delivered: false, reason: 'all_failed', attempts, skipped }
}
