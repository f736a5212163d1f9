import { randomBytes } from 'node:crypto'
import {
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
} from '@simplewebauthn/server'
import { isoBase64URL } from '@simplewebauthn/server/helpers'
import { Type } from '@sinclair/typebox'
import type { CheckContext } from '../verifier.js'
import { defineVerifier } from '../verifier.js'
import { authenticatorName } from './known-authenticators.js'
import {
  checkAssertion,
  checkRegistration,
  type PasskeyMaterial,
  parseMaterial,
  refused,
  StoreFault,
} from './passkey-ceremony-check.js'
import { CredentialSchema } from './passkey-credential.js'
import { PASSKEY_TEXTS } from './passkey-texts.js'
import { WEBAUTHN_SETTINGS_KEY, WebAuthnOptions, webAuthnOptions } from './webauthn-options.js'

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
