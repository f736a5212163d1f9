import type { ChannelName } from '../settings/app-settings.js'
import type { App } from './app-service.js'
import type { ExchangedToken } from './session-exchange.js'
import type { VerificationView } from './verification.js'

/** What an exchange answers: the token the session's approval issued. */
export type { ExchangedToken } from './session-exchange.js'

/**
 * `token`: the redirect carries the verification token. `code`: it carries a one-time code, and the
 * app's backend exchanges it for the token, so the token never passes through the browser.
 */
export type ResponseMode = 'token' | 'code'

export interface HostedSession {
  readonly id: string
  readonly app: App
  readonly scene: string
  /** The delivered-code channels offered. */
  readonly channels: readonly ChannelName[]
  /** The ceremony types offered (`passkey`): a button that runs the ceremony, the channels as the fallback. */
  readonly ceremonies: readonly string[]
  /** `verify`, or `enroll`: add a factor of `ceremonies[0]` to `userId`, after a step-up. */
  readonly purpose: 'verify' | 'enroll'
  readonly userId: string | null
  /** Enrolment: the person proved one of the user's factors on the page (or the user had none). */
  readonly steppedUp: boolean
  readonly presetTo: string | null
  readonly redirectUrl: string
  readonly responseMode: ResponseMode
  readonly state: string | null
  readonly locale: string | null
  readonly verificationId: string | null
  readonly channel: ChannelName | null
  readonly completed: boolean
  readonly expiresAt: number
  /** Expired sessions and completed ones take no more input. */
  readonly expired: boolean
}

export interface CreateSessionInput {
  readonly scene?: string | undefined
  /** Channels (`sms`, `email`) and ceremony types (`passkey`); for `enroll`, the one type to add. */
  readonly channels: readonly string[]
  readonly purpose?: 'verify' | 'enroll' | undefined
  readonly userId?: string | undefined
  readonly to?: string | undefined
  readonly redirectUrl: string
  /** Default `token`. */
  readonly responseMode?: ResponseMode | undefined
  readonly state?: string | undefined
  readonly locale?: string | undefined
}

/** Where to send the person once approved: the app's URL with the token (or the exchange code) and state. */
export interface Completion {
  readonly redirectTo: string
}

export interface HostedSessionService {
  create(app: App, input: CreateSessionInput): Promise<HostedSession>
  /** The session, or `verification_not_found` (an unknown id reveals nothing). */
  get(sessionId: string): Promise<HostedSession>
  /** The verification in flight, if any (masked view). */
  verificationOf(session: HostedSession): Promise<VerificationView | undefined>
  /** Sends a code (and, for email when the app wants it, a magic link) to `to`. */
  start(
    session: HostedSession,
    input: { channel: ChannelName; to: string; clientIp?: string | undefined; locale?: string | undefined },
  ): Promise<VerificationView>
  /** A new code; with `channel`, by another of the session's channels reaching the same person ("Call me instead"). */
  resend(session: HostedSession, input?: { channel?: ChannelName | undefined }): Promise<VerificationView>
  /** Forgets the verification in flight, so another identifier can be entered. */
  restart(session: HostedSession): Promise<void>
  check(session: HostedSession, code: string): Promise<Completion>
  /** Spends the magic link's secret and approves; single use. */
  confirmLink(session: HostedSession, secret: string): Promise<Completion>
  /** Whether `secret` is the session's current link secret (the confirm page's GET shows a button only then). */
  isCurrentLink(sessionId: string, secret: string): Promise<boolean>
  /**
   * Spends a code-mode session's exchange code for its token: single use, within 60 s, only for the
   * session's own app; anything else answers `invalid_grant`.
   */
  exchange(app: App, sessionId: string, code: string): Promise<ExchangedToken>
  /**
   * Starts the session's ceremony (a passkey's): sign-in (the session's user's passkeys, or usernameless), the
   * enrolment step-up with a passkey, or the enrolment itself. Answers what the browser needs.
   */
  startCeremony(
    session: HostedSession,
    input: { clientIp?: string | undefined },
  ): Promise<{ verificationId: string; kind: 'create' | 'get'; options: unknown }>
  /** Checks the ceremony's answer (`credential`); answers where to go next. */
  checkCeremony(session: HostedSession, fields: Readonly<Record<string, unknown>>): Promise<Completion>
  /** Enrolment before its step-up: the ways the user can prove it's them (their passkeys, their phones and inboxes). */
  stepUpChoices(session: HostedSession): Promise<StepUpChoices>
  /** Enrolment: sends a step-up code to one of the user's phone or email factors. */
  startStepUpCode(session: HostedSession, factorId: string, clientIp?: string | undefined): Promise<VerificationView>
}

export interface StepUpChoices {
  /** The user holds an active factor: adding one needs a step-up. */
  readonly required: boolean
  readonly ceremony: boolean
  readonly codes: readonly { readonly factorId: string; readonly channel: ChannelName; readonly toMasked: string }[]
}
