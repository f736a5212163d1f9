import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { decryptSecret, encryptSecret, generateId, type ServerKeys } from '../crypto/secrets.js'
import { assertThat } from '../errors/app-error.js'
import type { SigningKeyRepository } from '../storage/store.js'
import type { Clock } from './clock.js'
import type { EventLog } from './event-log.js'

/** A public key as published in the JWKS. */
export interface PublicJwk {
  readonly kty: string
  readonly crv: string
  readonly x: string
  readonly kid: string
  readonly alg: 'EdDSA'
  readonly use: 'sig'
}

/** A key as operators see it (never its private half). */
export interface SigningKeySummary {
  readonly kid: string
  readonly algorithm: string
  /** `active`: may sign; `retired`: rotated out, published while its tokens live; `revoked`: withdrawn. */
  readonly status: 'active' | 'retired' | 'revoked'
  /** In the JWKS now. */
  readonly published: boolean
  /** The key this instance signs with. */
  readonly signing: boolean
  readonly createdAt: number
  readonly retiredAt: number | null
  readonly revokedAt: number | null
}

export interface RevokedSigningKey {
  readonly kid: string
  readonly revokedAt: number
  /** The key created to sign from now on when the revoked key was the active one; null otherwise. */
  readonly replacedBy: string | null
}

export interface SigningKeyRing {
  /** Loads keys; creates the first one on a new install. */
  load(): Promise<void>
  /** A compact JWS (EdDSA, Ed25519) over the claims, with the active key's kid. */
  signJwt(claims: Readonly<Record<string, unknown>>): string
  /** The JWKS as this instance last read it. */
  jwks(): { keys: PublicJwk[] }
  /**
   * The JWKS after re-reading the published keys (a few rows): a key revoked by any instance is gone, and one
   * another instance just created is there. What the JWKS endpoint serves.
   */
  currentJwks(): Promise<{ keys: PublicJwk[] }>
  /** Makes a new key active; older keys stay published until their tokens can no longer be alive. */
  rotate(): Promise<string>
  /** Every key, newest first (at most 100). */
  list(): Promise<SigningKeySummary[]>
  /**
   * Withdraws a key at once: out of the JWKS, its tokens answer `revoked`. Revoking the active key first
   * makes a new one active, so signing never stops. Unknown or already revoked: `not_found`.
   */
  revoke(kid: string): Promise<RevokedSigningKey>
  /**
   * Re-reads the published keys: drops those any instance revoked and, when this instance's signing key is
   * among them, loads the key that replaced it. (A rotation elsewhere is followed for signing by load().)
   */
  refreshRevocations(): Promise<void>
  /** Whether a kid is revoked, read from the database (a revocation made elsewhere counts at once). */
  isRevoked(kid: string): Promise<boolean>
}

interface ActiveKey {
  readonly kid: string
  readonly privateKey: KeyObject
  /** base64url of the JWS protected header, computed once per key. */
  readonly encodedHeader: string
}

const LIST_LIMIT = 100

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
  /** Where rotations and revocations are recorded; tests of the ring alone may leave it out. */
  events?: Pick<EventLog, 'record'>
}): SigningKeyRing {
  let active: ActiveKey | undefined
  let published: PublicJwk[] = []
  /** Kids this instance knows to be revoked: a revoked key never comes back, so the set only grows (rarely). */
  const revoked = new Set<string>()

  /** The public fields named: nothing else the stored JWK might hold is ever published. */
  const toJwk = (row: { id: string; publicJwk: string }): PublicJwk => {
    const { kty, crv, x } = JSON.parse(row.publicJwk) as { kty: string; crv: string; x: string }
    return { kty, crv, x, kid: row.id, alg: 'EdDSA', use: 'sig' }
  }

  async function createKey(): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    const kid = generateId('sk', 10, deps.clock.nowMs())
    const jwk = publicKey.export({ format: 'jwk' })
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    await deps.repository.insert({
      id: kid,
      algorithm: 'EdDSA',
      publicJwk: JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }),
      privateKey: encryptSecret(deps.serverKeys, pem),
      createdAt: deps.clock.nowMs(),
      retiredAt: null,
      revokedAt: null,
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
    if (active?.kid !== kid) {
      active = {
        kid,
        privateKey: createPrivateKey(decryptSecret(deps.serverKeys, current.privateKey)),
        encodedHeader: Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid })).toString('base64url'),
      }
    }
    published = rows.map(toJwk)
  }

  /** The published set as the database has it now: revocations drop out, another instance's new key joins. */
  async function readPublished(): Promise<void> {
    const rows = await deps.repository.listPublishable(deps.clock.nowMs() - deps.retentionMs)
    if (active && !rows.some((row) => row.id === active?.kid)) {
      // Revoked elsewhere while this instance signed with it: the revoking instance made a new key first.
      await load()
    } else {
      published = rows.map(toJwk)
    }
  }

  // Callers wait for a read that starts after they asked (never one already under way, which may predate the
  // revocation they are asking about); everyone who asks while a read runs shares the next one.
  let running: Promise<void> | undefined
  let queued: Promise<void> | undefined
  function refreshRevocations(): Promise<void> {
    if (!running) {
      running = readPublished().finally(() => {
        running = undefined
      })
      return running
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined
        return refreshRevocations()
      })
    return queued
  }

  async function rotate(): Promise<string> {
    const kid = await createKey()
    await deps.repository.retireAllExcept(kid, deps.clock.nowMs())
    await load()
    await deps.events?.record({ appId: null, kind: 'signing_key.rotated', details: { kid } })
    return kid
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
    async currentJwks() {
      try {
        await refreshRevocations()
      } catch {
        // The database is not answering (the poll logs it): nothing can be revoked meanwhile either, and
        // verifiers still need the keys to check the tokens already issued, so the last set read is served.
      }
      return { keys: published }
    },
    rotate,
    async list() {
      const now = deps.clock.nowMs()
      const rows = await deps.repository.listAll(LIST_LIMIT)
      return rows.map((row) => {
        const retiredAt = row.retiredAt === null ? null : Number(row.retiredAt)
        const revokedAt = row.revokedAt === null ? null : Number(row.revokedAt)
        return {
          kid: row.id,
          algorithm: row.algorithm,
          status: revokedAt !== null ? 'revoked' : retiredAt !== null ? 'retired' : 'active',
          published: revokedAt === null && (retiredAt === null || retiredAt > now - deps.retentionMs),
          signing: active?.kid === row.id,
          createdAt: Number(row.createdAt),
          retiredAt,
          revokedAt,
        } satisfies SigningKeySummary
      })
    },
    async revoke(kid) {
      const row = await deps.repository.findById(kid)
      assertThat(row && row.revokedAt === null, 'not_found', {
        message: 'No such signing key, or it is already revoked.',
      })
      // Signing never stops: when the key may still sign (here or on another instance), its replacement is
      // stored and made the only active key before the revocation, so every instance has a key to move to.
      const replacedBy = row.retiredAt === null ? await createKey() : null
      if (replacedBy !== null) await deps.repository.retireAllExcept(replacedBy, deps.clock.nowMs())
      const revokedAt = deps.clock.nowMs()
      const won = await deps.repository.revoke(kid, revokedAt)
      revoked.add(kid)
      await load()
      assertThat(won, 'not_found', { message: 'No such signing key, or it is already revoked.' })
      await deps.events?.record({
        appId: null,
        kind: 'signing_key.revoked',
        details: { kid, replaced_by: replacedBy },
      })
      return { kid, revokedAt, replacedBy }
    },
    refreshRevocations,
    async isRevoked(kid) {
      if (revoked.has(kid)) return true
      if (!(await deps.repository.isRevoked(kid))) return false
      // Learnt here first: bring the JWKS and the signing key in line now rather than at the next poll.
      refreshRevocations().catch(() => undefined)
      return true
    },
  }
}
