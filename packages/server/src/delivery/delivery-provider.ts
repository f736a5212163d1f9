import type { TSchema } from '@sinclair/typebox'
import type { MessageValues } from '../i18n/placeholders.js'
import type { ChannelName } from '../settings/app-settings.js'
import type { MessageFrom } from './message-options.js'

/** Where a message stands, as far as Tessera knows (providers' own words are mapped onto these). */
export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed'

/** The values a message template may show: the only placeholders there are. */
export type { MessageValues } from '../i18n/placeholders.js'

/** One rendered message, ready for a provider. It carries the code inside its text: never log it. */
export interface OutboundMessage {
  readonly channel: ChannelName
  /** Normalised recipient: E.164 phone or email address. */
  readonly to: string
  /** Email subject; providers for SMS ignore it. */
  readonly subject: string
  readonly text: string
  /** Email HTML part; providers for SMS ignore it. */
  readonly html: string
  readonly verificationId: string
  /** The locale the text was rendered in. */
  readonly locale: string
  /** The locale the request asked for, if any (template-based providers match their own templates' locales to it first). */
  readonly requestedLocale?: string | undefined
  /** The placeholders' values, for providers that render a template of their own (aliyun, tencent). */
  readonly values: MessageValues
  /** For a spoken channel (a call): what the voice says, in order; `text` is the same message as plain text. */
  readonly speech?: SpokenMessage | undefined
  /** The app's own template fields for this message beyond its text (a WhatsApp template's name), if any. */
  readonly template?: Readonly<Record<string, string>> | undefined
  /** A sender for this message instead of the provider's configured one (providers that set a sender use it). */
  readonly sender?: MessageFrom | undefined
}

/** A message read out by a text-to-speech voice: the code character by character with pauses, said twice. */
export interface SpokenMessage {
  /** The voice's language (BCP 47, from the locale file: `en-US`, `pt-BR`, `ar-XA`). */
  readonly language: string
  readonly steps: readonly SpeechStep[]
  /** The same steps as one plain text ("… is 4, 8, 2, 9, 1, 3. …"), for providers that take text only. */
  readonly text: string
}

export type SpeechStep = { readonly say: string } | { readonly pauseSeconds: number }

export interface DeliveryReceipt {
  readonly provider: string
  readonly providerMessageId?: string | undefined
  /** What the provider said on acceptance; `sent` when it does not say. */
  readonly status?: DeliveryStatus | undefined
}

export interface SendOptions {
  /** Aborts the provider's request: the chain's per-provider timeout. */
  readonly signal: AbortSignal
  /** Where the provider should post status callbacks, when it supports them. */
  readonly statusCallbackUrl: string
}

export interface MessageSender {
  /** Sends or throws a DeliveryError. A throw means the provider did not accept the message. */
  send(message: OutboundMessage, options: SendOptions): Promise<DeliveryReceipt>
  /** Releases connections; called on shutdown and when an app's provider settings change. */
  close?(): Promise<void>
}

export interface ProviderDeps {
  /** Where development output goes (the console provider prints here). */
  readonly writeDevelopmentOutput: (line: string) => void
  readonly nodeEnv: string
  readonly nowMs: () => number
}

/** A delivery status report from a provider's callback, already checked to be genuine. */
export interface StatusReport {
  readonly providerMessageId: string
  readonly status: DeliveryStatus
  readonly errorCode?: string | undefined
}

/** What a status callback carried, as the HTTP layer hands it over. */
export interface CallbackRequest {
  /** The public URL the provider called (TESSERA_PUBLIC_URL + path and query), as the provider signed it. */
  readonly url: string
  readonly method: string
  readonly headers: Readonly<Record<string, string | undefined>>
  /** Form or JSON body fields, or query parameters for a GET; values as strings. */
  readonly params: Readonly<Record<string, string>>
  readonly rawBody: string
}

/**
 * Receipt of a provider's status callbacks at /v1/providers/{name}/status.
 * `messageIdOf` finds which message a callback is about (so the sender's
 * options can be found); `verify` then checks its signature with them.
 */
export interface StatusCallbackHandler<Options> {
  messageIdOf(request: CallbackRequest): string | undefined
  /** True only for a callback signed with these options' credentials (constant-time compares). */
  verify(request: CallbackRequest, options: Options, nowMs: number): boolean
  parse(request: CallbackRequest): StatusReport | undefined
  /**
   * For providers that batch receipts in one signed body (Meta's webhook carries `statuses[]`, possibly of several
   * messages): every report in it, in the order given. Without it, a callback is about one message (`parse`).
   */
  parseAll?(request: CallbackRequest): readonly StatusReport[]
  /**
   * A subscription handshake at the same URL (Meta's GET with `hub.mode`, `hub.verify_token`, `hub.challenge`):
   * undefined when the request is no handshake; otherwise the body to answer when these options' token matches,
   * or false when it does not. Nothing is changed by a handshake.
   */
  handshake?(request: CallbackRequest, options: Options): string | false | undefined
}

/**
 * A delivery adapter for one or more channels. `create` runs with options
 * already checked against `optionsSchema` (snake_case fields, named as the
 * provider names them). Fields whose schema carries `secret: true` are
 * encrypted at rest and shown masked.
 */
export interface DeliveryProvider<Options = unknown> {
  /** Stable id used in config; never renamed. */
  readonly name: string
  readonly channels: readonly ChannelName[]
  readonly optionsSchema: TSchema
  /** Checks across fields that the schema cannot express; answers what is wrong, or undefined. */
  validate?(options: Options): string | undefined
  create(options: Options, deps: ProviderDeps): MessageSender
  readonly statusCallback?: StatusCallbackHandler<Options>
  /** Only for the benchmark and tests: refused in app settings and unless NODE_ENV allows it. */
  readonly internal?: boolean
}

/** Identity helper for inference, like defineVerifier. */
export function defineDeliveryProvider<Options>(provider: DeliveryProvider<Options>): DeliveryProvider<Options> {
  return provider
}

/**
 * Why a provider refused a message. `invalid_recipient` (the number or
 * address cannot receive) stops the chain: another provider cannot fix it.
 * `rejected` (bad credentials, unverified sender, template refused) and
 * `unavailable` (network, timeout, 5xx, account throttling) move on to the
 * next and count against the provider's breaker; `recipient_limited` (the
 * provider's own per-number flow control) moves on without counting: one
 * person pressing resend must not take a provider out for everyone.
 */
export type DeliveryErrorKind = 'invalid_recipient' | 'recipient_limited' | 'rejected' | 'unavailable'

/** Thrown by senders. `code` is the provider's own error code (Twilio 21211, Vonage 3, …) when it gave one. */
export class DeliveryError extends Error {
  readonly kind: DeliveryErrorKind
  readonly code: string | undefined
  constructor(message: string, options: { kind?: DeliveryErrorKind; code?: string | undefined; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'DeliveryError'
    this.kind = options.kind ?? 'unavailable'
    this.code = options.code
  }

  /** Whether another attempt (another provider) might succeed. */
  get retryable(): boolean {
    return this.kind !== 'invalid_recipient'
  }
}
