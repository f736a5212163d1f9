import type { CircuitBreaker } from './circuit-breaker.js'
import { DeliveryError, type DeliveryStatus, type MessageSender, type OutboundMessage } from './delivery-provider.js'

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
 * Sends one message along an ordered chain. A provider whose breaker is open
 * is skipped; each attempt runs under its own timeout; an error or a timeout
 * moves on to the next provider; an invalid recipient stops the chain (no
 * provider can fix it). When every breaker is open, the first provider is
 * tried anyway: sending through a doubtful provider beats not sending.
 */
export async function sendThroughChain(
  chain: readonly ChainLink[],
  message: OutboundMessage,
  statusCallbackUrlFor: (provider: string) => string,
  nowMs: () => number,
): Promise<ChainOutcome> {
  const attempts: DeliveryAttempt[] = []
  const skipped: string[] = []
  const usable = chain.filter((link) => {
    if (link.breaker.tryAcquire()) return true
    skipped.push(link.provider)
    return false
  })
  const order = usable.length > 0 ? usable : chain.slice(0, 1)
  for (const link of order) {
    try {
      const receipt = await link.sender.send(message, {
        signal: AbortSignal.timeout(link.timeoutMs),
        statusCallbackUrl: statusCallbackUrlFor(link.provider),
      })
      link.breaker.succeeded()
      attempts.push({
        provider: link.provider,
        status: receipt.status ?? 'sent',
        providerMessageId: receipt.providerMessageId,
        errorCode: undefined,
        atMs: nowMs(),
      })
      return { delivered: true, attempts, skipped }
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
      if (deliveryError.kind === 'invalid_recipient') {
        // The provider works; the number does not. Its breaker counts this as a success.
        link.breaker.succeeded()
        return { delivered: false, reason: 'invalid_recipient', attempts, skipped }
      }
      link.breaker.failed()
    }
  }
  return { delivered: false, reason: 'all_failed', attempts, skipped }
}
