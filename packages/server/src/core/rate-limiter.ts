/**
 * One named limit applied to one key: at most `max` events per
 * `windowSeconds`. Keys are built by the caller (app id, identifier, IP…);
 * the limiter never sees why.
 */
export interface Bucket {
  /** The limit's name, as in settings.limits (`sends_per_identifier`, …). */
  readonly name: string
  readonly key: string
  readonly max: number
  readonly windowSeconds: number
}

export type LimitDecision =
  | { readonly ok: true }
  | {
      readonly ok: false
      /** The bucket that refused. */
      readonly name: string
      readonly max: number
      readonly retryAfterSeconds: number
    }

/**
 * Counters for limits, shared by every instance when backed by Redis. The
 * contract: `take` is all-or-nothing — when any bucket is full, every point it
 * took is given back, so a refused request changes no counter.
 */
export interface RateLimiter {
  take(buckets: readonly Bucket[]): Promise<LimitDecision>
  /** Gives points back (a send that failed after its buckets were taken). */
  refund(buckets: readonly Bucket[]): Promise<void>
  /** Whether a bucket is already full, without taking from it. */
  isFull(bucket: Bucket): Promise<LimitDecision>
  /** Events counted in the bucket's current window. */
  count(bucket: Bucket): Promise<number>
}
