import { generateKeyPairSync, sign } from 'node:crypto'
import { createLocalJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose'
import type { Kysely } from 'kysely'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFakeClock, type FakeClock } from '../../test/helpers/fake-clock.js'
import { deriveServerKeys } from '../crypto/secrets.js'
import { defaultAppSettings } from '../settings/resolve-settings.js'
import type { Database } from '../storage/database.js'
import { migrateToLatest } from '../storage/migrations/migrate-to-latest.js'
import { createSqlStore } from '../storage/sql/sql-store.js'
import { createSqliteDatabase } from '../storage/sqlite/sqlite-database.js'
import type { Store } from '../storage/store.js'
import { createEventLog } from './event-log.js'
import { createSigningKeyRing, type SigningKeyRing } from './signing-key-ring.js'
import { createTokenService, type IssueTokenInput, type TokenService } from './token-service.js'

const ISSUER = 'http://tessera.test'
const serverKeys = deriveServerKeys('token-service-test-secret-0123456789')

let db: Kysely<Database>
let store: Store
let clock: FakeClock
let keyRing: SigningKeyRing
let tokens: TokenService

beforeEach(async () => {
  db = createSqliteDatabase(':memory:')
  await migrateToLatest(db)
  store = createSqlStore(db)
  clock = createFakeClock()
  for (const id of ['app_a', 'app_b']) {
    await store.apps.insert({
      id,
      name: id,
      settings: JSON.stringify(defaultAppSettings()),
      createdAt: clock.nowMs(),
      updatedAt: clock.nowMs(),
    })
  }
  keyRing = createSigningKeyRing({ repository: store.signingKeys, clock, serverKeys, retentionMs: 3600_000 })
  await keyRing.load()
  const events = createEventLog({ events: store.events, clock, logger: pino({ level: 'silent' }) })
  tokens = createTokenService({ store, clock, keyRing, serverKeys, issuer: () => ISSUER, events })
})
afterEach(async () => {
  await store.close()
})

/** Signs and stores, as an approval does (there with the approval, in one write). */
async function issue(token: IssueTokenInput) {
  const { row, ...issued } = tokens.sign(token)
  await store.tokens.insert(row)
  return issued
}

const input: IssueTokenInput = {
  appId: 'app_a',
  verificationId: 'ver_0123456789abcdefghjkmnpqrs',
  scene: 'login',
  channel: 'sms',
  identifier: '+442079460958',
  userId: 'u_42',
  factorId: null,
  ttlSeconds: 600,
}

function verifyOffline(token: string, options: { appId?: string; ring?: SigningKeyRing } = {}) {
  return jwtVerify(token, createLocalJWKSet((options.ring ?? keyRing).jwks()), {
    algorithms: ['EdDSA'],
    issuer: ISSUER,
    audience: options.appId ?? 'app_a',
    currentDate: new Date(clock.nowMs()),
  })
}

/** The same token with one character of the given segment changed. */
function alter(token: string, segment: 0 | 1 | 2): string {
  const parts = token.split('.')
  const part = parts[segment] ?? ''
  const index = Math.floor(part.length / 2)
  parts[segment] = `${part.slice(0, index)}${part[index] === 'A' ? 'B' : 'A'}${part.slice(index + 1)}`
  return parts.join('.')
}

describe('TokenService.issue', () => {
  it('issues an EdDSA JWT that verifies offline with the expected claims and kid', async () => {
    const issued = await issue(input)
    expect(issued.expiresIn).toBe(600)
    const { payload, protectedHeader } = await verifyOffline(issued.token)
    const iat = Math.floor(clock.nowMs() / 1000)
    expect(payload).toEqual({
      iss: ISSUER,
      aud: 'app_a',
      sub: 'u_42',
      scene: 'login',
      vid: input.verificationId,
      jti: expect.stringMatching(/^tok_[0-9a-z]{36}$/),
      channel: 'sms',
      amr: ['sms'],
      to: '+442079460958',
      iat,
      exp: iat + 600,
    })
    expect(protectedHeader.alg).toBe('EdDSA')
    expect(protectedHeader.kid).toBe(keyRing.jwks().keys[0]?.kid)
  })

  it('leaves out sub when there is no user', async () => {
    const { token } = await issue({ ...input, userId: null })
    const { payload } = await verifyOffline(token)
    expect(payload).not.toHaveProperty('sub')
    const result = await tokens.introspect('app_a', token, { consume: false })
    expect(result).toMatchObject({ active: true, userId: null })
  })

  it('is refused offline by another audience and after it expires', async () => {
    const { token } = await issue(input)
    await expect(verifyOffline(token, { appId: 'app_b' })).rejects.toThrow()
    clock.advanceSeconds(601)
    await expect(verifyOffline(token)).rejects.toBeInstanceOf(joseErrors.JWTExpired)
  })

  it('stores only a hash of the token', async () => {
    const { token } = await issue(input)
    const rows = await db.selectFrom('tokens').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain(token)
    expect(JSON.stringify(rows)).not.toContain(token.split('.')[2])
  })

  it('signs tokens issued after a rotation with the new kid; older tokens still verify offline', async () => {
    const before = await issue(input)
    clock.advanceSeconds(10)
    const newKid = await keyRing.rotate()
    const after = await issue(input)
    expect(decodeProtectedHeader(after.token).kid).toBe(newKid)
    expect(decodeProtectedHeader(before.token).kid).not.toBe(newKid)
    await expect(verifyOffline(before.token)).resolves.toBeTruthy()
    await expect(verifyOffline(after.token)).resolves.toBeTruthy()
    // Introspection does not depend on the signing key either.
    expect(await tokens.introspect('app_a', before.token, { consume: false })).toMatchObject({ active: true })
  })
})

describe('TokenService.introspect', () => {
  it('answers an issued token as active with its facts', async () => {
    const { token } = await issue(input)
    const issuedAt = clock.nowMs()
    clock.advanceSeconds(30)
    expect(await tokens.introspect('app_a', token, { consume: false })).toEqual({
      active: true,
      verificationId: input.verificationId,
      scene: 'login',
      channel: 'sms',
      identifier: '+442079460958',
      userId: 'u_42',
      factorId: null,
      amr: ['sms'],
      issuedAt,
      expiresAt: issuedAt + 600_000,
    })
  })

  it.each([
    ['an empty string', ''],
    ['garbage', 'not-a-token'],
    ['a huge string', 'x'.repeat(100_000)],
  ])('answers %s as invalid', async (_name, token) => {
    await issue(input)
    expect(await tokens.introspect('app_a', token, { consume: false })).toEqual({ active: false, reason: 'invalid' })
  })

  it.each([
    ['header', 0],
    ['payload', 1],
    ['signature', 2],
  ] as const)('answers a token with an altered %s as invalid', async (_name, segment) => {
    const { token } = await issue(input)
    const altered = alter(token, segment)
    expect(altered).not.toBe(token)
    expect(await tokens.introspect('app_a', altered, { consume: false })).toEqual({ active: false, reason: 'invalid' })
    // The genuine token is unaffected.
    expect(await tokens.introspect('app_a', token, { consume: false })).toMatchObject({ active: true })
  })

  it('answers a well-formed token signed by someone else as invalid', async () => {
    const { token } = await issue(input)
    const [header, payload] = token.split('.')
    const { privateKey } = generateKeyPairSync('ed25519')
    const forgedSignature = sign(null, Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')
    const forged = `${header}.${payload}.${forgedSignature}`
    expect(await tokens.introspect('app_a', forged, { consume: false })).toEqual({ active: false, reason: 'invalid' })
  })

  it("answers another app's token as invalid, without revealing it exists", async () => {
    const { token } = await issue(input)
    expect(await tokens.introspect('app_b', token, { consume: false })).toEqual({ active: false, reason: 'invalid' })
    expect(await tokens.introspect('app_b', token, { consume: true })).toEqual({ active: false, reason: 'invalid' })
    // The failed attempt from app_b did not consume it for app_a.
    expect(await tokens.introspect('app_a', token, { consume: true })).toMatchObject({ active: true })
  })

  it('answers expired once the clock reaches the expiry, and not before', async () => {
    const { token } = await issue(input)
    clock.advanceSeconds(599)
    expect(await tokens.introspect('app_a', token, { consume: false })).toMatchObject({ active: true })
    clock.advanceSeconds(1)
    expect(await tokens.introspect('app_a', token, { consume: false })).toEqual({ active: false, reason: 'expired' })
    expect(await tokens.introspect('app_a', token, { consume: true })).toEqual({ active: false, reason: 'expired' })
  })

  it('answers scene_mismatch for another scene, without consuming the token', async () => {
    const { token } = await issue(input)
    expect(await tokens.introspect('app_a', token, { scene: 'step-up', consume: true })).toEqual({
      active: false,
      reason: 'scene_mismatch',
    })
    expect(await tokens.introspect('app_a', token, { scene: 'login', consume: true })).toMatchObject({
      active: true,
      scene: 'login',
    })
  })

  it('accepts any scene when none is asked for', async () => {
    const { token } = await issue({ ...input, scene: 'password-reset' })
    expect(await tokens.introspect('app_a', token, { consume: false })).toMatchObject({
      active: true,
      scene: 'password-reset',
    })
  })

  it('consumes a token once; afterwards it is consumed for every caller', async () => {
    const { token } = await issue(input)
    expect(await tokens.introspect('app_a', token, { consume: false })).toMatchObject({ active: true })
    expect(await tokens.introspect('app_a', token, { consume: true })).toMatchObject({ active: true })
    expect(await tokens.introspect('app_a', token, { consume: true })).toEqual({ active: false, reason: 'consumed' })
    expect(await tokens.introspect('app_a', token, { consume: false })).toEqual({ active: false, reason: 'consumed' })
  })

  it('lets exactly one of 20 concurrent consumes win', async () => {
    const { token } = await issue(input)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => tokens.introspect('app_a', token, { consume: true })),
    )
    expect(results.filter((result) => result.active)).toHaveLength(1)
    expect(results.filter((result) => !result.active && result.reason === 'consumed')).toHaveLength(19)
  })

  it('consuming one token leaves another token of the same verification active', async () => {
    const first = await issue(input)
    clock.advanceSeconds(1)
    const second = await issue(input)
    expect(await tokens.introspect('app_a', first.token, { consume: true })).toMatchObject({ active: true })
    expect(await tokens.introspect('app_a', second.token, { consume: false })).toMatchObject({ active: true })
  })

  it('records consumption and refusals in the event log', async () => {
    const { token } = await issue(input)
    await tokens.introspect('app_a', token, { consume: true })
    await tokens.introspect('app_a', token, { consume: true })
    const kinds = (await store.events.listRecent('app_a', { limit: 10 })).map((event) => event.kind).sort()
    expect(kinds).toEqual(['token.consumed', 'token.refused'])
  })
})
