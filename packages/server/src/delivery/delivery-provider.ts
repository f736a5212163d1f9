import type { TSchema } from '@sinclair/typebox'

export type DeliveryChannel = 'sms' | 'email'

/** One rendered message, ready for a provider. It carries the code inside its text: never log it. */
export interface OutboundMessage {
  readonly channel: DeliveryChannel
  /** Normalised recipient: E.164 phone or email address. */
  readonly to: string
  /** Email subject; providers for SMS ignore it. */
  readonly subject: string
  readonly text: string
  /** Email HTML part; providers for SMS ignore it. */
  readonly html: string
  readonly verificationId: string
}

export interface DeliveryReceipt {
  readonly provider: string
  readonly providerMessageId?: string | undefined
}

export interface MessageSender {
  /** Sends or throws. A throw means the message was not accepted by the provider. */
  send(message: OutboundMessage): Promise<DeliveryReceipt>
  /** Releases connections; called on shutdown. */
  close?(): Promise<void>
}

export interface ProviderDeps {
  /** Where development output goes (the console provider prints here). */
  readonly writeDevelopmentOutput: (line: string) => void
  readonly nodeEnv: string
}

/**
 * A delivery adapter for one or more channels. `create` runs once at start-up
 * with options already checked against `optionsSchema`.
 */
export interface DeliveryProvider<Options = unknown> {
  /** Stable id used in config; never renamed. */
  readonly name: string
  readonly channels: readonly DeliveryChannel[]
  readonly optionsSchema: TSchema
  create(options: Options, deps: ProviderDeps): MessageSender
}

/** Identity helper for inference, like defineVerifier. */
export function defineDeliveryProvider<Options>(provider: DeliveryProvider<Options>): DeliveryProvider<Options> {
  return provider
}

/** Thrown by senders; `retryable: false` marks errors another attempt cannot fix. */
export class DeliveryError extends Error {
  readonly retryable: boolean
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'DeliveryError'
    this.retryable = options.retryable ?? true
  }
}
