import { randomBytes } from 'node:crypto'
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
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
import { Type } from '@sinclair/typebox'
import { constantTimeEqual } from '../../crypto/secrets.js'
import type { CheckAttempt, CheckContext, CheckOutcome } from '../verifier.js'
import { defineVerifier } from '../verifier.js'
import { authenticatorName } from './known-authenticators.js'
import { CredentialSchema } from './passkey-credential.js'
import { PASSKEY_TEXTS } from './passkey-texts.js'
import {
  isAllowedOrigin,
  WEBAUTHN_SETTINGS_KEY,
  WebAuthnOptions,
  type WebAuthnSettings,
  webAuthnOptions,
} from './webauthn-options.js'

/**
 * What a passkey factor keeps (sealed like every factor's material). The credential id is the factor's
 * `identifier` (looked up at sign-in) and the sign counter its `last_counter` (raised atomically).
 */
interface PasskeyMaterial {
  /** Before activation: the name the authenticator shows for the account. */
  readonly userName?: string
  /** The COSE public key, base64url. */
  readonly publicKey?: string
  readonly transports?: readonly string[]
  readonly aaguid?: string
  readonly deviceType?: 'singleDevice' | 'multiDevice'
  readonly backedUp?: boolean
}

const parseMaterial = (material: string | null): PasskeyMaterial =>
  material === null ? {} : (JSON.parse(material) as PasskeyMaterial)

/** A refused credential: counts like a wrong code, and says why. */
function refused(reason: string, message: string, extra: { flag?: string; replayed?: boolean } = {}): CheckOutcome {
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
async function checkRegistration(
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
    ...(before.userName === undefined ? {} : { userName: before.userName }),
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    transports: credential.response.transports ?? info.credential.transports ?? [],
    aaguid: info.aaguid,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
  }
  return { ok: true, material: JSON.stringify(material), identifier: info.credential.id }
}

/** Sign-in: an assertion by one of the user's passkeys (or, usernameless, anybody's the answer names). */
async function checkAssertion(
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
  return changed ? { ok: true, material: JSON.stringify({ ...material, backedUp: credentialBackedUp }) } : { ok: true }
}

/** A failure of the context's store, told apart from a malformed credential. */
class StoreFault extends Error {
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
export const passkeyVerifier = defineVerifier({
  type: 'passkey',
  settingsKey: WEBAUTHN_SETTINGS_KEY,
  // A passkey signs the user in by itself: adding one to an account that has any factor needs a step-up.
  bindNeedsStepUpOverAnyFactor: true,
  discoverable: true,
  texts: PASSKEY_TEXTS,
  bindFields: {
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'a name for the passkey in the user’s list.' }),
    ),
    user_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'the account name the authenticator shows (an email, a handle); default the user id.',
      }),
    ),
  },
  revealFields: {
    options: Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'passkey: the PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create (@simplewebauthn/browser’s startRegistration).',
      },
    ),
  },
  challengeFields: {
    options: Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'passkey: the PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get (@simplewebauthn/browser’s startAuthentication).',
      },
    ),
  },
  answerFields: { credential: CredentialSchema },
  viewFields: {
    authenticator: Type.Union([Type.String(), Type.Null()], {
      description: 'passkey: the provider, named from its AAGUID where known.',
    }),
    aaguid: Type.Union([Type.String(), Type.Null()]),
    backed_up: Type.Boolean({ description: 'passkey: synced to a cloud account (a multi-device credential).' }),
    device_type: Type.String({ description: 'passkey: singleDevice or multiDevice.' }),
    transports: Type.Array(Type.String()),
  },
  options: WebAuthnOptions,
  sceneDefaults: ['login', '2fa', 'step-up', 'password-reset', 'identifier-change'],

  async bind(request) {
    const material: PasskeyMaterial = { userName: request.fields.user_name ?? request.userId }
    return { status: 'pending', label: request.fields.name ?? 'Passkey', material: JSON.stringify(material) }
  },

  challenge: (ctx) => ({
    ttlSeconds: ctx.settings.challenge.ttl_seconds,
    maxAttempts: ctx.settings.challenge.max_attempts,
    // The WebAuthn challenge (32 random bytes): stored as an HMAC only, like every code.
    code: randomBytes(32).toString('base64url'),
  }),

  async present(challenge, ctx) {
    const options = webAuthnOptions(ctx.settings)
    const known = challenge.credentials.flatMap((credential) => {
      if (credential.identifier === null) return []
      const transports = (parseMaterial(credential.material).transports ?? []) as AuthenticatorTransportFuture[]
      return [{ id: credential.identifier, transports }]
    })
    const challengeBytes = isoBase64URL.toBuffer(challenge.code)
    const timeout = challenge.ttlSeconds * 1000
    if (challenge.purpose === 'activate') {
      if (challenge.userId === null) throw new Error('passkey registration without a user')
      const userName = parseMaterial(challenge.factor?.material ?? null).userName ?? challenge.userId
      return {
        options: await generateRegistrationOptions({
          rpName: options.rp_name || ctx.appName,
          rpID: options.rp_id,
          userName,
          userDisplayName: userName,
          // One opaque handle per user, so an authenticator keeps one passkey per account and a usernameless
          // sign-in's userHandle names nobody to anyone without the server key.
          userID: isoBase64URL.toBuffer(ctx.pseudonymOf(challenge.userId)),
          challenge: challengeBytes,
          timeout,
          attestationType: options.attestation,
          excludeCredentials: known,
          authenticatorSelection: { residentKey: 'preferred', userVerification: options.user_verification },
        }),
      }
    }
    return {
      options: await generateAuthenticationOptions({
        rpID: options.rp_id,
        // A user's challenge lists their passkeys; a usernameless one lists none (the device offers its own).
        allowCredentials: known,
        challenge: challengeBytes,
        timeout,
        userVerification: options.user_verification,
      }),
    }
  },

  factorIdentifierOf(fields) {
    const credential = fields.credential as { id?: unknown } | undefined
    return typeof credential?.id === 'string' ? credential.id : undefined
  },

  async check(attempt, ctx) {
    const options = webAuthnOptions(ctx.settings)
    // The store's own failures stay faults (a 503); everything else thrown here is the credential's.
    const guarded: CheckContext = {
      ...ctx,
      claimCounter: (factorId, counter) =>
        ctx.claimCounter(factorId, counter).catch((error: unknown) => {
          throw new StoreFault(error)
        }),
    }
    try {
      return attempt.purpose === 'activate'
        ? await checkRegistration(attempt, guarded, options)
        : await checkAssertion(attempt, guarded, options)
    } catch (error) {
      if (error instanceof StoreFault) throw error.original
      // The library throws on anything malformed (CBOR, keys, flags): a refused credential, never a fault.
      return refused('invalid_credential', 'The credential does not parse as a WebAuthn response.')
    }
  },

  async describe(factor) {
    const material = parseMaterial(factor.material)
    if (material.publicKey === undefined) return {}
    return {
      authenticator: authenticatorName(material.aaguid),
      aaguid: material.aaguid ?? null,
      backed_up: material.backedUp ?? false,
      device_type: material.deviceType ?? 'singleDevice',
      transports: material.transports ?? [],
    }
  },
})
