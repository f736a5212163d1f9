/** A mutex that hands over to exactly one waiter, oldest first. */
export class FifoLock {
  #held = false
  readonly #waiters: (() => void)[] = []

  /** Held, or promised to a waiter. */
  get busy(): boolean {
    return this.#held
  }

  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  release(): void {
    const next = this.#waiters.shift()
    // Still held: ownership passes straight to the next waiter.
    if (next) next()
    else this.#held = false
  }
}
