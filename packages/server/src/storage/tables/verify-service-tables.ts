/** A Twilio Verify service (`VA…`): settings over one app for the Twilio-compatible face (docs/twilio-compat.md). */
export interface VerifyServiceTable {
  sid: string
  appId: string
  friendlyName: string
  /** JSON of the service's options as Twilio names them (code_length, custom_code_enabled, …). */
  options: string
  createdAt: number
  updatedAt: number
}

/** A verification started through a service: its Twilio sid (`VE…`) beside the Tessera verification. */
export interface VerifyServiceVerificationTable {
  sid: string
  appId: string
  serviceSid: string
  verificationId: string
  createdAt: number
}

/** One code sent for a service verification (`send_code_attempts`); insert-only. */
export interface VerifySendAttemptTable {
  /** `VL…` */
  sid: string
  verificationSid: string
  channel: string
  createdAt: number
}

/** A verification token kept for the app to pick up once (approvals made through the Twilio face). */
export interface HeldTokenTable {
  verificationId: string
  appId: string
  /** The token sealed with the server key (AES-256-GCM). */
  sealedToken: string
  expiresAt: number
  createdAt: number
}
