import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto'
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers'

/**
 * A software WebAuthn authenticator (ES256, `none` attestation) for in-process API tests: it answers
 * creation and request options the way a platform authenticator would, with knobs an attacker turns (origin,
 * RP ID, user verification, counter). CBOR comes from @simplewebauthn's own encoder; the browser tests
 * (test/browser/passkeys.test.ts) use Chromium's virtual authenticator instead.
 */
export interface SoftAuthenticator {
  /** navigator.credentials.create: a RegistrationResponseJSON for `options`. */
  create(options: CreationOptions, tamper?: Tamper): Record<string, unknown>
  /** navigator.credentials.get: an AuthenticationResponseJSON from the first allowed (or any) credential. */
  get(options: RequestOptions, tamper?: Tamper): Record<string, unknown>
  /** The stored credentials (a clone shares them: its counter then runs behind). */
  readonly credentials: Map<string, StoredCredential>
}

interface CreationOptions {
  readonly challenge: string
  readonly rp: { readonly id?: string }
  readonly user: { readonly id: string }
}
interface RequestOptions {
  readonly challenge: string
  readonly rpId?: string
  readonly allowCredentials?: readonly { readonly id: string }[]
}

export interface StoredCredential {
  readonly privateKey: KeyObject
  readonly userHandle: string
  readonly rpId: string
  counter: number
}

export interface Tamper {
  readonly origin?: string
  readonly rpId?: string
  readonly userVerified?: boolean
  readonly challenge?: string
  /** The counter to sign (a clone's, behind the original). */
  readonly counter?: number
  /** Registration: the credential id to claim (one already registered elsewhere). */
  readonly credentialId?: string
}

/** The AAGUID Chromium's virtual authenticator reports, so names resolve alike in both kinds of test. */
const AAGUID = Buffer.from('01020304050607080102030405060708', 'hex')

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest()

export function createSoftAuthenticator(defaults: { origin: string; userVerified?: boolean }): SoftAuthenticator {
  const credentials = new Map<string, StoredCredential>()

  function clientData(type: string, challenge: string, tamper: Tamper): string {
    return isoBase64URL.fromBuffer(
      new TextEncoder().encode(
        JSON.stringify({
          type,
          challenge: tamper.challenge ?? challenge,
          origin: tamper.origin ?? defaults.origin,
          crossOrigin: false,
        }),
      ),
    )
  }

  function flags(tamper: Tamper, attested: boolean): number {
    const uv = tamper.userVerified ?? defaults.userVerified ?? true
    // UP, UV, backup eligible and backed up (a synced passkey), AT when attested data follows.
    return 0x01 | (uv ? 0x04 : 0) | 0x08 | 0x10 | (attested ? 0x40 : 0)
  }

  function counterBytes(counter: number): Buffer {
    const bytes = Buffer.alloc(4)
    bytes.writeUInt32BE(counter)
    return bytes
  }

  return {
    credentials,
    create(options, tamper = {}) {
      const rpId = tamper.rpId ?? options.rp.id ?? 'localhost'
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const jwk = publicKey.export({ format: 'jwk' })
      const coseKey = new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url'))],
      ])
      const id = tamper.credentialId === undefined ? randomBytes(32) : Buffer.from(tamper.credentialId, 'base64url')
      const idLength = Buffer.alloc(2)
      idLength.writeUInt16BE(id.length)
      const counter = tamper.counter ?? 0
      const authData = Buffer.concat([
        sha256(rpId),
        Buffer.from([flags(tamper, true)]),
        counterBytes(counter),
        AAGUID,
        idLength,
        id,
        Buffer.from(isoCBOR.encode(coseKey)),
      ])
      const attestationObject = isoCBOR.encode(
        new Map<string, string | Map<string, never> | Uint8Array>([
          ['fmt', 'none'],
          ['attStmt', new Map<string, never>()],
          ['authData', new Uint8Array(authData)],
        ]),
      )
      const credentialId = id.toString('base64url')
      credentials.set(credentialId, { privateKey, userHandle: options.user.id, rpId, counter })
      return {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        response: {
          clientDataJSON: clientData('webauthn.create', options.challenge, tamper),
          attestationObject: isoBase64URL.fromBuffer(attestationObject),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      }
    },
    get(options, tamper = {}) {
      const allowed = options.allowCredentials?.map((credential) => credential.id) ?? []
      const entry = [...credentials.entries()].find(([id]) => allowed.length === 0 || allowed.includes(id))
      if (!entry) throw new Error('no credential for these options')
      const [id, stored] = entry
      stored.counter = tamper.counter ?? stored.counter + 1
      const authData = Buffer.concat([
        sha256(tamper.rpId ?? options.rpId ?? stored.rpId),
        Buffer.from([flags(tamper, false)]),
        counterBytes(stored.counter),
      ])
      const clientDataJSON = clientData('webauthn.get', options.challenge, tamper)
      const signature = sign(
        'sha256',
        Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, 'base64url'))]),
        stored.privateKey,
      )
      return {
        id,
        rawId: id,
        type: 'public-key',
        response: {
          clientDataJSON,
          authenticatorData: authData.toString('base64url'),
          signature: signature.toString('base64url'),
          userHandle: stored.userHandle,
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      }
    },
  }
}
