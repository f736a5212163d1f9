// Judging a passkey answer: the registration (activation) or the assertion (sign-in) checked with
// @simplewebauthn/server against the challenge, origins and RP ID; every refusal is a CheckOutcome that counts
// toward the lockout, and a counter that went backwards flags the factor as cloned.

import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import {
  decodeAttestationObject,
  decodeClientDataJSON,
  isoBase64URL,
  parseAuthenticatorData,
  toHash,
} from '@simplewebauthn/server/helpers'
import { constantTimeEqual } from '../../crypto/secrets.js'
import type { CheckAttempt, CheckContext, CheckOutcome } from '../verifier.js'
import { isAllowedOrigin, type WebAuthnSettings } from './webauthn-options.js'

/**
 * What a passkey factor keeps (sealed like every factor's material). The credential id is the factor's
 * `identifier` (looked up at sign-in) and the sign counter its `last_counter` (raised atomically).
 */
export interface PasskeyMaterial {
  /** Before activation: the name the authenticator shows for the account. */
  readonly userName?: string
  /** The COSE public key, base64url. */
  readonly publicKey?: string
  readonly transports?: readonly string[]
  readonly aaguid?: string
  readonly deviceType?: 'singleDevice' | 'multiDevice'
  readonly backedUp?: boolean
}

export const parseMaterial = (material: string | null): PasskeyMaterial =>
  material === null ? {} : (JSON.parse(material) as PasskeyMaterial)

/** A refused credential: counts like a wrong code, and says why. */
export function refused(
  reason: string,
  message: string,
  extra: { flag?: string; replayed?: boolean } = {},
): CheckOutcome {
  return {
    ok: false,
    reason: extra.replayed ? 'replayed' : 'mismatch',
    refusal: { reason, message },
    ...(extra.flag === undefined ? {} : { flag: extra.flag }),
  }
}

/**
 * The ceremony checks that do not need the public key, in the order WebAuthn §7 runs them, each with its own
 * reason: the client data (type, this verification's challenge, an allowed origin) and the authenticator data
 * (this RP ID's hash, user verification when required). Answers the origin to hand the library, or the refusal.
 */
async function checkCeremony(
  credential: RegistrationResponseJSON | AuthenticationResponseJSON,
  authData: Uint8Array<ArrayBuffer>,
  ceremony: 'webauthn.create' | 'webauthn.get',
  attempt: CheckAttempt,
  ctx: CheckContext,
  options: WebAuthnSettings,
): Promise<{ origin: string } | { refusal: CheckOutcome }> {
  const clientData = decodeClientDataJSON(credential.response.clientDataJSON) as unknown
  if (typeof clientData !== 'object' || clientData === null) {
    return { refusal: refused('invalid_credential', 'The credential’s client data is not JSON.') }
  }
  const { type, challenge, origin } = clientData as Record<string, unknown>
  if (type !== ceremony) {
    return {
      refusal: refused(
        'invalid_credential',
        `The credential is not from navigator.credentials.${ceremony === 'webauthn.create' ? 'create' : 'get'}.`,
      ),
    }
  }
  // The challenge is this verification's one-time code: an assertion made for any other (a replay) fails here.
  if (
    typeof challenge !== 'string' ||
    !constantTimeEqual(ctx.hashCode(attempt.verificationId, challenge), attempt.codeHash)
  ) {
    return { refusal: refused('challenge_mismatch', 'The credential answers another challenge.', { replayed: true }) }
  }
  if (typeof origin !== 'string' || !isAllowedOrigin(origin, options)) {
    return { refusal: refused('origin_mismatch', 'The ceremony ran on an origin this app does not allow.') }
  }
  const parsed = parseAuthenticatorData(authData)
  const expectedRpIdHash = await toHash(new TextEncoder().encode(options.rp_id))
  if (!constantTimeEqual(isoBase64URL.fromBuffer(parsed.rpIdHash), isoBase64URL.fromBuffer(expectedRpIdHash))) {
    return { refusal: refused('rp_id_mismatch', 'The credential is for another relying party.') }
  }
  if (!parsed.flags.up) return { refusal: refused('user_presence_missing', 'The authenticator saw nobody present.') }
  if (options.user_verification === 'required' && !parsed.flags.uv) {
    return { refusal: refused('user_verification_missing', 'The authenticator did not verify the person.') }
  }
  return { origin }
}

/** Registration: the first check of a pending passkey, made with the creation options of its bind. */
export async function checkRegistration(
  attempt: CheckAttempt,
  ctx: CheckContext,
  options: WebAuthnSettings,
): Promise<CheckOutcome> {
  const credential = attempt.fields?.credential as RegistrationResponseJSON
  if (!attempt.factor) throw new Error('passkey activation without a factor')
  if (!credential.response.attestationObject) {
    return refused('invalid_credential', 'A registration needs response.attestationObject.')
  }
  const attestation = decodeAttestationObject(isoBase64URL.toBuffer(credential.response.attestationObject))
  const ceremony = await checkCeremony(
    credential,
    attestation.get('authData'),
    'webauthn.create',
    attempt,
    ctx,
    options,
  )
  if ('refusal' in ceremony) return ceremony.refusal
  const verified = await verifyRegistrationResponse({
    response: credential,
    expectedChallenge: () => true, // checked above, in constant time
    expectedOrigin: ceremony.origin,
    expectedRPID: options.rp_id,
    requireUserVerification: options.user_verification === 'required',
  })
  if (!verified.verified) return refused('signature_invalid', 'The attestation does not verify.')
  const info = verified.registrationInfo
  if (info.credential.counter > 0 && !(await ctx.claimCounter(attempt.factor.id, info.credential.counter))) {
    return refused('counter_regression', 'The sign counter did not advance.', { replayed: true })
  }
  const before = parseMaterial(attempt.factor.material)
  const material: PasskeyMaterial = {
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    transports: credential.response.transports ?? info.credential.transports ?? [],
    aaguid: info.aaguid,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    ...(before.userName === undefined ? {} : { userName: before.userName }),
  }
  return { ok: true, material: JSON.stringify(material), identifier: info.credential.id }
}

/** Sign-in: an assertion by one of the user's passkeys (or, usernameless, anybody's the answer names). */
export async function checkAssertion(
  attempt: CheckAttempt,
  ctx: CheckContext,
  options: WebAuthnSettings,
): Promise<CheckOutcome> {
  const credential = attempt.fields?.credential as AuthenticationResponseJSON
  const { authenticatorData, signature } = credential.response
  if (!authenticatorData || !signature) {
    return refused('invalid_credential', 'An assertion needs response.authenticatorData and response.signature.')
  }
  const ceremony = await checkCeremony(
    credential,
    isoBase64URL.toBuffer(authenticatorData),
    'webauthn.get',
    attempt,
    ctx,
    options,
  )
  if ('refusal' in ceremony) return ceremony.refusal
  const factor = attempt.factor
  const material = parseMaterial(factor?.material ?? null)
  // The core proves the factor the credential id names; no factor (or another's) means nobody here holds it.
  if (!factor || material.publicKey === undefined || factor.identifier !== credential.id) {
    // Worded as the core words a decoy's refusal (uniform_responses): the two must not be told apart.
    return refused('unknown_credential', 'No credential here has this id.')
  }
  const userHandle = credential.response.userHandle
  if (typeof userHandle === 'string' && factor.userId !== undefined && userHandle !== ctx.pseudonymOf(factor.userId)) {
    return refused('user_mismatch', 'The credential belongs to another user.')
  }
  const stored = factor.lastCounter ?? 0
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>
  try {
    verified = await verifyAuthenticationResponse({
      response: credential,
      expectedChallenge: () => true, // checked above, in constant time
      expectedOrigin: ceremony.origin,
      expectedRPID: options.rp_id,
      // The counter is judged below (it flags the factor); the library sees none so it does not throw first.
      credential: {
        id: credential.id,
        publicKey: isoBase64URL.toBuffer(material.publicKey),
        counter: 0,
        transports: (material.transports ?? []) as AuthenticatorTransportFuture[],
      },
      requireUserVerification: options.user_verification === 'required',
    })
  } catch {
    return refused('signature_invalid', 'The assertion’s signature does not verify.')
  }
  if (!verified.verified) return refused('signature_invalid', 'The assertion’s signature does not verify.')
  const { newCounter, credentialBackedUp } = verified.authenticationInfo
  // WebAuthn §6.1.1: a counter that does not exceed the stored one means a cloned authenticator (or a replay).
  // Authenticators without a counter always send 0; only the single-use challenge protects those.
  if (newCounter > 0 || stored > 0) {
    if (newCounter <= stored) {
      return refused('counter_regression', 'The sign counter went backwards: the passkey may be cloned.', {
        flag: 'counter_regression',
      })
    }
    // Atomic: of two racing checks with one assertion, one raises the counter; the other is a replay.
    if (!(await ctx.claimCounter(factor.id, newCounter))) {
      return refused('counter_regression', 'The sign counter did not advance.', { replayed: true })
    }
  }
  const changed = credentialBackedUp !== material.backedUp
  return changed
    ? { ok: true, material: JSON.stringify(Object.assign({}, material, { backedUp: credentialBackedUp })) }
    : { ok: true }
}

/** A failure of the context's store, told apart from a malformed credential. */
export class StoreFault extends Error {
  constructor(readonly original: unknown) {
    super('store failure during a passkey check')
  }
}

/**
 * Passkeys (WebAuthn), with @simplewebauthn/server. A bind answers the creation options and stays pending until
 * `activate` gets the credential the browser made with them; a challenge answers the request options (the
 * user's passkeys, or none for a usernameless sign-in) and `verify` takes the assertion. Each ceremony's
 * challenge is its verification's one-time code, so it is single use and expires with the verification; every
 * refusal counts toward the attempts and the factor's lockout like a wrong code.
 */
