import { Type } from '@sinclair/typebox'

/** base64url as WebAuthn's JSON forms carry binary (padding tolerated: some clients add it). */
const base64Url = (maxLength: number, description?: string) =>
  Type.String({
    pattern: '^[A-Za-z0-9_-]*={0,2}$',
    maxLength,
    ...(description === undefined ? {} : { description }),
  })

/**
 * A `PublicKeyCredential` in its JSON form (`toJSON()`, or @simplewebauthn/browser's answer): a registration
 * (`response.attestationObject`) or an assertion (`response.authenticatorData` and `signature`). Every string and
 * list is bounded, so garbage is a 400 before any crypto runs; which response a ceremony needs is the type's check.
 */
export const CredentialSchema = Type.Object(
  {
    id: base64Url(1400, 'The credential id.'),
    rawId: base64Url(1400),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: base64Url(8192),
        attestationObject: Type.Optional(base64Url(65536)),
        authenticatorData: Type.Optional(base64Url(8192)),
        signature: Type.Optional(base64Url(2048)),
        userHandle: Type.Optional(Type.Union([base64Url(128), Type.Null()])),
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 })),
        publicKeyAlgorithm: Type.Optional(Type.Integer()),
        publicKey: Type.Optional(base64Url(8192)),
      },
      { additionalProperties: true },
    ),
    authenticatorAttachment: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    clientExtensionResults: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 20 })),
  },
  {
    additionalProperties: true,
    description:
      'The PublicKeyCredential from navigator.credentials.create/get in its JSON form (@simplewebauthn/browser’s startRegistration/startAuthentication answer).',
  },
)
