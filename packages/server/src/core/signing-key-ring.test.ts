import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import type { Kysely } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFakeClock, type FakeClock } from '../../test/helpers/fake-clock.js'
import { decryptSecret, deriveServerKeys, type ServerKeys } from '../crypto/secrets.js'
import type { Database } from '../storage/database.js'
import { migrateToLatest } from '../storage/migrations/migrate-to-latest.js'
import { createSqlStore } from '../storage/sql/sql-store.js'
import { createSqliteDatabase } from '../storage/sqlite/sqlite-database.js'
import type { Store } from '../storage/store.js'
import { createSigningKeyRing, type SigningKeyRing } from './signing-key-ring.js'

const RETENTION_MS = 3600_000
const serverKeys = deriveServerKeys('signing-key-ring-test-secret-0123456789')

let db: Kysely<Database>
let store: Store
let clock: FakeClock

beforeEach(async () => {
  db = createSqliteDatabase(':memory:')
  await migrateToLatest(db)
  store = createSqlStore(db)
  clock = createFakeClock()
})
afterEach(async () => {
  await store.close()
})

function keyRing(keys: ServerKeys = serverKeys): SigningKeyRing {
  return createSigningKeyRing({ repository: store.signingKeys, clock, serverKeys: keys, retentionMs: RETENTION_MS })
}

async function loadedKeyRing(): Promise<SigningKeyRing> {
  const ring = keyRing()
  await ring.load()
  return ring
}

function verify(ring: SigningKeyRing, token: string) {
  return jwtVerify(token, createLocalJWKSet(ring.jwks()), {
    algorithms: ['EdDSA'],
    currentDate: new Date(clock.nowMs()),
  })
}

const claims = () => {
  const iat = Math.floor(clock.nowMs() / 1000)
  return { iss: 'http://tessera.test', aud: 'app_a', scene: 'login', iat, exp: iat + 600 }
}

describe('createSigningKeyRing', () => {
  it('creates one Ed25519 key on a new install and publishes only its public half', async () => {
    const ring = await loadedKeyRing()
    const { keys } = ring.jwks()
    expect(keys).toHaveLength(1)
    const [jwk] = keys
    expect(jwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      kid: expect.stringMatching(/^sk_[0-9a-z]{26}$/),
      alg: 'EdDSA',
      use: 'sig',
    })
    expect(jwk).not.toHaveProperty('d')
  })

  it('stores the private key sealed with the server key, never as a PEM', async () => {
    const ring = await loadedKeyRing()
    const rows = await db.selectFrom('signingKeys').selectAll().execute()
    expect(rows).toHaveLength(1)
    const [row] = rows
    if (!row) throw new Error('no key stored')
    expect(row.id).toBe(ring.jwks().keys[0]?.kid)
    expect(row.privateKey).toMatch(/^v1\./)
    expect(row.privateKey).not.toContain('PRIVATE KEY')
    expect(row.privateKey).not.toContain('-----BEGIN')
    expect(decryptSecret(serverKeys, row.privateKey)).toContain('-----BEGIN PRIVATE KEY-----')
    expect(JSON.stringify(row)).not.toContain('"d"')
  })

  it('refuses to load keys sealed under another server secret', async () => {
    await loadedKeyRing()
    const stranger = keyRing(deriveServerKeys('a-different-server-secret-0123456789'))
    await expect(stranger.load()).rejects.toThrow()
  })

  it('reuses the stored key on the next start', async () => {
    const first = await loadedKeyRing()
    const second = await loadedKeyRing()
    expect(second.jwks()).toEqual(first.jwks())
    expect(await db.selectFrom('signingKeys').select('id').execute()).toHaveLength(1)
  })

  it('refuses to sign before load()', () => {
    expect(() => keyRing().signJwt(claims())).toThrow(/not loaded/)
  })

  it('signs compact EdDSA JWTs that jose verifies against the JWKS, with the key id', async () => {
    const ring = await loadedKeyRing()
    const token = ring.signJwt(claims())
    const { payload, protectedHeader } = await verify(ring, token)
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: ring.jwks().keys[0]?.kid })
    expect(payload).toEqual(claims())
  })

  it('produces a signature jose rejects once the payload is altered', async () => {
    const ring = await loadedKeyRing()
    const [header, , signature] = ring.signJwt(claims()).split('.')
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims(), scene: 'step-up' })).toString('base64url')
    await expect(verify(ring, `${header}.${forgedPayload}.${signature}`)).rejects.toThrow()
  })

  it('rotate() publishes old and new keys and signs new tokens with the new kid', async () => {
    const ring = await loadedKeyRing()
    const oldKid = ring.jwks().keys[0]?.kid
    const oldToken = ring.signJwt(claims())

    clock.advanceSeconds(60)
    const newKid = await ring.rotate()
    expect(newKid).not.toBe(oldKid)
    expect(
      ring
        .jwks()
        .keys.map((key) => key.kid)
        .sort(),
    ).toEqual([oldKid, newKid].sort())

    const newToken = ring.signJwt(claims())
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid)
    await expect(verify(ring, newToken)).resolves.toBeTruthy()
    // Offline check of a token issued before the rotation, against the JWKS published after it.
    const { protectedHeader } = await verify(ring, oldToken)
    expect(protectedHeader.kid).toBe(oldKid)
  })

  it('after rotate(), another instance signs with the new key too', async () => {
    const ring = await loadedKeyRing()
    clock.advanceSeconds(1)
    const newKid = await ring.rotate()
    const other = await loadedKeyRing()
    expect(decodeProtectedHeader(other.signJwt(claims())).kid).toBe(newKid)
    expect(other.jwks().keys).toHaveLength(2)
  })

  it('keeps a retired key published for the retention time, then drops it', async () => {
    const ring = await loadedKeyRing()
    const oldKid = ring.jwks().keys[0]?.kid
    const newKid = await ring.rotate()

    clock.advanceSeconds(RETENTION_MS / 1000 - 1)
    const during = await loadedKeyRing()
    expect(during.jwks().keys.map((key) => key.kid)).toContain(oldKid)

    clock.advanceSeconds(2)
    const after = await loadedKeyRing()
    expect(after.jwks().keys.map((key) => key.kid)).toEqual([newKid])
  })

  describe('revoke()', () => {
    function recordingRing() {
      const recorded: { kind: string; details?: Readonly<Record<string, unknown>> | undefined }[] = []
      const ring = createSigningKeyRing({
        repository: store.signingKeys,
        clock,
        serverKeys,
        retentionMs: RETENTION_MS,
        events: { record: async (event) => void recorded.push(event) },
      })
      return { ring, recorded }
    }

    it('withdraws a retired key from the JWKS for good, and records signing_key.revoked', async () => {
      const { ring, recorded } = recordingRing()
      await ring.load()
      const oldKid = ring.jwks().keys[0]?.kid ?? ''
      const newKid = await ring.rotate()
      const revoked = await ring.revoke(oldKid)
      expect(revoked).toEqual({ kid: oldKid, revokedAt: clock.nowMs(), replacedBy: null })
      expect(ring.jwks().keys.map((key) => key.kid)).toEqual([newKid])
      // Still inside the retention time, a fresh load does not publish it again.
      expect((await loadedKeyRing()).jwks().keys.map((key) => key.kid)).toEqual([newKid])
      expect(await ring.isRevoked(oldKid)).toBe(true)
      expect(await ring.isRevoked(newKid)).toBe(false)
      expect(recorded.map((event) => event.kind)).toEqual(['signing_key.rotated', 'signing_key.revoked'])
      expect(recorded[1]?.details).toEqual({ kid: oldKid, replaced_by: null })
    })

    it('replaces the active key before revoking it, so signing never stops', async () => {
      const ring = await loadedKeyRing()
      const oldKid = ring.jwks().keys[0]?.kid ?? ''
      // Keys are listed newest first: the replacement is made a second later.
      clock.advanceSeconds(1)
      const { replacedBy } = await ring.revoke(oldKid)
      expect(replacedBy).toMatch(/^sk_/)
      expect(decodeProtectedHeader(ring.signJwt(claims())).kid).toBe(replacedBy)
      expect(ring.jwks().keys.map((key) => key.kid)).toEqual([replacedBy])
      const listed = await ring.list()
      expect(listed.map((key) => [key.kid, key.status, key.published, key.signing])).toEqual([
        [replacedBy, 'active', true, true],
        [oldKid, 'revoked', false, false],
      ])
    })

    it('refuses an unknown kid and a second revocation with not_found', async () => {
      const ring = await loadedKeyRing()
      const kid = ring.jwks().keys[0]?.kid ?? ''
      await expect(ring.revoke('sk_nope')).rejects.toMatchObject({ code: 'not_found' })
      await ring.revoke(kid)
      await expect(ring.revoke(kid)).rejects.toMatchObject({ code: 'not_found' })
    })

    it('another ring on the same database learns it from currentJwks() and moves its signing to the new key', async () => {
      const here = await loadedKeyRing()
      const there = await loadedKeyRing()
      const kid = here.jwks().keys[0]?.kid ?? ''
      const { replacedBy } = await here.revoke(kid)
      // Not yet asked: the other ring still holds what it loaded.
      expect(there.jwks().keys.map((key) => key.kid)).toEqual([kid])
      expect((await there.currentJwks()).keys.map((key) => key.kid)).toEqual([replacedBy])
      expect(decodeProtectedHeader(there.signJwt(claims())).kid).toBe(replacedBy)
    })

    it('isRevoked() reads the database, so a revocation made elsewhere counts at once', async () => {
      const here = await loadedKeyRing()
      const there = await loadedKeyRing()
      const kid = here.jwks().keys[0]?.kid ?? ''
      expect(await there.isRevoked(kid)).toBe(false)
      await here.revoke(kid)
      expect(await there.isRevoked(kid)).toBe(true)
    })

    it('currentJwks() serves the last set read when the database does not answer', async () => {
      const ring = await loadedKeyRing()
      const before = ring.jwks()
      await store.close()
      await expect(ring.currentJwks()).resolves.toEqual(before)
      // afterEach closes the store again; a second destroy is harmless.
    })
  })
})
