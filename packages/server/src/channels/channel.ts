import type { TObject, TSchema } from '@sinclair/typebox'
import type { AppError } from '../errors/app-error.js'
import type { ChannelTexts } from '../i18n/translate.js'

/**
 * A delivered-code channel: everything `sms` or `email` means, in its own folder
 * (channels/<name>/), registered by one line in built-in-channels.ts. Core, http
 * and web ask the channel instead of naming it: how its identifier is parsed and
 * masked, its settings slice (`settings.channels.<name>`) and template shape, which
 * built-in scenes it proves by default, how its hosted page asks for the
 * identifier, where its default providers come from, and any guard of its own
 * before a send (the SMS pumping guard). A verification type of the same name
 * (one-time codes over this channel) is made from it by the verifier registry.
 */
export interface Channel {
  /** The name in the API (`channel`), in settings (`channels.<name>`) and in token claims. Never renamed. */
  readonly name: string
  /** How a person is reached: its kind decides the hosted page's input. */
  readonly identifier: ChannelIdentifier
  /** `settings.channels.<name>`: the shared policy (channel-settings.ts) plus what is this channel's own. */
  readonly settingsSchema: TObject
  /** Limits of this channel's own under `settings.limits` (the SMS velocity limits), with their defaults. */
  readonly limitsSchema?: Readonly<Record<string, TSchema>>
  /** One app template of this channel (`settings.templates.<name>.<scene>.<locale>`). */
  readonly templateSchema: TObject
  /**
   * How its messages are shaped: `text` (one short text: segments, the WebOTP line), or `mail` (subject,
   * text and HTML, in Tessera's layout).
   */
  readonly format: 'text' | 'mail'
  /**
   * Its texts in every language: the hosted identifier step (title, lead, tab, label, change, error_invalid)
   * and its messages — `message` for the `text` format; `subject`, `intro`, `expiry`, `ignore` and the
   * `link_*` lines for `mail`. From the locale files, or the channel's own (`channelTexts(name, own)`).
   */
  readonly texts: ChannelTexts<string>
  /** Whether its messages may carry a hosted page's magic link (`email_magic_link`). */
  readonly carriesLinks: boolean
  /**
   * Whether it sends SMS-style text messages: billed by the segment (the console counts them and flags templates
   * over one) and ending with the origin-bound code line that browsers' WebOTP and phones read.
   */
  readonly textMessage?: boolean
  /**
   * Whether its message is read out by a voice (a phone call): messages then carry a speech script (`speech`:
   * the text with the code said character by character with pauses, twice) in the language its texts name
   * (`voice_language`, one per locale file). Its texts hold `voice_language`.
   */
  readonly spoken?: boolean
  /**
   * The hosted code page's offer to switch to this channel for the same person ("Call me instead"): its texts
   * hold `offer`, shown on the code page of another enabled channel with the same identifier kind.
   */
  readonly offeredInstead?: boolean
  /** The built-in scenes this channel proves by default (scenes.ts composes the table from these). */
  readonly sceneDefaults: readonly string[]
  /** Environment variable with the server's default provider chain for this channel (JSON). */
  readonly providersVariable: string
  /**
   * The server's default provider chain from its configuration (docs/config.md), for apps that set none:
   * the channel's `…_PROVIDERS` list, else what its simpler settings describe, else the console.
   */
  defaultProviders(
    config: Readonly<Record<string, unknown>>,
  ): ReadonlyArray<Readonly<Record<string, unknown>> & { readonly type: string }>
  /** How the console names it. */
  readonly label: string
  /** The refusal when a provider says the identifier cannot receive this channel's messages. */
  readonly unreachable: string
  /** Optional checks of its own before the send limits, and the counts it keeps after sends and approvals. */
  readonly guard?: ChannelGuard
}

export interface ChannelIdentifier {
  /** `phone`: E.164 numbers (country picker, as-you-type formatting); `email-address`: a mailbox. */
  readonly kind: 'phone' | 'email-address'
  /** The canonical identifier, or undefined when invalid. */
  normalize(raw: string): string | undefined
  /** The one masked form, in every answer, event and page. */
  mask(normalized: string): string
  /** `invalid_identifier` with this channel's wording. */
  invalid(): AppError
  /** A plausible made-up identifier, for a decoy (uniform_responses): never sent to. */
  decoy(): string
  /** The hosted page's input for it: the form field's name and the input's attributes. */
  readonly input: {
    readonly field: string
    readonly type: string
    readonly inputmode: string
    readonly autocomplete: string
    readonly maxlength: number
    /** Not prose: no spellcheck, no capitalisation. */
    readonly verbatim: boolean
  }
  /** Where an identifier leads, for the console's breakdown (a phone's country); undefined when it has none. */
  region?(normalized: string): string
}

/** A counter a guard asks for; shaped as core's rate-limit bucket. */
export interface ChannelBucket {
  readonly name: string
  readonly key: string
  readonly max: number
  readonly windowSeconds: number
}

export interface GuardInput {
  readonly appId: string
  /** This channel's settings slice, as `settingsSchema` describes it. */
  readonly policy: Readonly<Record<string, unknown>>
  /** The app's `settings.limits`. */
  readonly limits: Readonly<Record<string, { readonly max: number; readonly window_seconds: number }>>
  readonly identifier: string
  /** Events counted in a bucket's current window. */
  count(bucket: ChannelBucket): Promise<number>
}

export type GuardVerdict =
  | {
      readonly allowed: true
      /** Buckets the send counts against besides the shared send limits (all-or-nothing with them). */
      readonly buckets: readonly ChannelBucket[]
      /** Counters to take once the message went out. */
      readonly afterSend: readonly ChannelBucket[]
    }
  | {
      readonly allowed: false
      /** Why, for the event log (`blocked_country`, `conversion_guard`…). */
      readonly reason: string
      /** The refusal the caller sees: the identifier is refused, or a limit is reached. */
      readonly refusal:
        | { readonly kind: 'identifier'; readonly message: string }
        | { readonly kind: 'limit'; readonly name: string; readonly max: number; readonly retryAfterSeconds: number }
    }

export interface ChannelGuard {
  /** Before a send: may refuse the destination or add buckets. */
  admit(input: GuardInput): Promise<GuardVerdict>
  /** Counters to take when a verification of this channel is approved (a conversion signal). */
  afterApproval?(input: Omit<GuardInput, 'count'>): readonly ChannelBucket[]
}
