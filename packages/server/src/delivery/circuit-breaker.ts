export interface CircuitBreakerPolicy {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number
  /** How long it stays open before one probe may go through. */
  readonly cooldownMs: number
}

export type BreakerState = 'closed' | 'open' | 'half_open'

/**
 * A provider's circuit breaker, in this process. Closed: every message may
 * try it. After `failureThreshold` failures in a row it opens: messages skip
 * it for `cooldownMs`. Then one message is let through as a probe (half
 * open): success closes the breaker, failure opens it for another cool-down.
 * While the probe is out, other messages keep skipping the provider.
 */
export class CircuitBreaker {
  #failures = 0
  #openedAt: number | undefined
  #probing = false

  constructor(
    private readonly policy: CircuitBreakerPolicy,
    private readonly nowMs: () => number,
  ) {}

  state(): BreakerState {
    if (this.#openedAt === undefined) return 'closed'
    return this.nowMs() - this.#openedAt >= this.policy.cooldownMs ? 'half_open' : 'open'
  }

  /** Whether this message may use the provider; a true answer in half-open state makes it the probe. */
  tryAcquire(): boolean {
    const state = this.state()
    if (state === 'closed') return true
    if (state === 'open' || this.#probing) return false
    this.#probing = true
    return true
  }

  succeeded(): void {
    this.#failures = 0
    this.#openedAt = undefined
    this.#probing = false
  }

  failed(): void {
    this.#failures += 1
    if (this.#probing || this.#failures >= this.policy.failureThreshold) this.#openedAt = this.nowMs()
    this.#probing = false
  }
}
