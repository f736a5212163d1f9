import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import type { SigningKeyRepository } from '../storage/store.js'
import type { Clock } from './clock.js'
import { decryptSecret, encryptSecret, generateId, type ServerKeys } from './secrets.js'

/** A public key as published in the JWKS. */
export interface PublicJwk {
  readonly kty: string
  readonly crv: string
  readonly x: string
  readonly kid: string
  readonly alg: 'EdDSA'
  readonly use: 'sig'
}

export interface SigningKeyRing {
  /** Loads keys; creates the first one on a new install. */
  load(): Promise<void>
  /** A compact JWS (EdDSA, Ed25519) over the claims, with the active key's kid. */
  signJwt(claims: Readonly<Record<string, unknown>>): string
  jwks(): { keys: PublicJwk[] }
  /** Makes a new key active; older keys stay published until their tokens can no longer be alive. */
  rotate(): Promise<string>
}

interface ActiveKey {
  readonly kid: string
  readonly privateKey: KeyObject
  /** base64url of the JWS protected header, computed once per key. */
  readonly encodedHeader: string
}

/**
 * Ed25519 keys, stored with the private half sealed by the server's
 * encryption key. Signing uses node:crypto directly: it is the one
 * unavoidable cost on the approval path, and a compact JWS needs nothing more.
 */
export function createSigningKeyRing(deps: {
  repository: SigningKeyRepository
  clock: Clock
  serverKeys: ServerKeys
  /** Retired keys stay in the JWKS this long (≥ the longest token lifetime). */
  retentionMs: number
}): SigningKeyRing {
  let active: ActiveKey | undefined
  let published: PublicJwk[] = []

  async function createKey(): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    const kid = generateId('sk', 10)
    const jwk = publicKey.export({ format: 'jwk' })
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    await deps.repository.insert({
      id: kid,
      algorithm: 'EdDSA',
      publicJwk: JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }),
      privateKey: encryptSecret(deps.serverKeys, pem),
      createdAt: deps.clock.nowMs(),
      retiredAt: null,
    })
    return kid
  }

  async function load(): Promise<void> {
    const now = deps.clock.nowMs()
    let rows = await deps.repository.listPublishable(now - deps.retentionMs)
    if (!rows.some((row) => row.retiredAt === null)) {
      await createKey()
      rows = await deps.repository.listPublishable(now - deps.retentionMs)
    }
    // Newest unretired key signs (two instances starting at once may each create one; both are published).
    const current = rows.find((row) => row.retiredAt === null)
    if (!current) throw new Error('no active signing key')
    const kid = current.id
    active = {
      kid,
      privateKey: createPrivateKey(decryptSecret(deps.serverKeys, current.privateKey)),
      encodedHeader: Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid })).toString('base64url'),
    }
    published = rows.map((row) => ({
      ...(JSON.parse(row.publicJwk) as { kty: string; crv: string; x: string }),
      kid: row.id,
      alg: 'EdDSA' as const,
      use: 'sig' as const,
    }))
  }

  return {
    load,
    signJwt(claims) {
      if (!active) throw new Error('signing keys not loaded')
      const signingInput = `${active.encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
      const signature = sign(null, Buffer.from(signingInput), active.privateKey).toString('base64url')
      return `${signingInput}.${signature}`
    },
    jwks: () => ({ keys: published }),
    async rotate() {
      const kid = await createKey()
      await deps.repository.retireAllExcept(kid, deps.clock.nowMs())
      await load()
      return kid
    },
  }
}
