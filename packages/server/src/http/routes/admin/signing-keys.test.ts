import type { LightMyRequestResponse } from 'fastify'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { TEST_ADMIN_KEY } from '../../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../../test/helpers/fixtures.js'
import {
  createSharedDatabaseInstances,
  type SharedDatabaseInstances,
} from '../../../../test/helpers/shared-database.js'
import type { Tessera } from '../../../app.js'

type Jwks = { keys: { kid: string }[] }

function call(
  tessera: Tessera,
  method: 'GET' | 'POST',
  url: string,
  options: { key?: string; body?: unknown } = {},
): Promise<LightMyRequestResponse> {
  return tessera.server.inject({
    method,
    url,
    headers: {
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  })
}

const admin = (tessera: Tessera, method: 'GET' | 'POST', url: string) =>
  call(tessera, method, url, { key: TEST_ADMIN_KEY })
const jwksKids = async (tessera: Tessera) =>
  (await call(tessera, 'GET', '/.well-known/jwks.json')).json<Jwks>().keys.map((key) => key.kid)

/** Creates an app on `tessera` and answers a function that approves a verification and returns its token. */
async function tokenMinter(tessera: Tessera, lastCode: () => string) {
  const app = (await call(tessera, 'POST', '/admin/v1/apps', { key: TEST_ADMIN_KEY, body: { name: 'Acme' } })).json()
  const key = (
    await call(tessera, 'POST', `/admin/v1/apps/${app.app_id}/keys`, { key: TEST_ADMIN_KEY, body: {} })
  ).json().key as string
  return {
    key,
    async mint(on: Tessera = tessera): Promise<string> {
      const started = (
        await call(on, 'POST', '/v1/verifications', {
          key,
          body: { channel: 'sms', to: '+14155552671', scene: 'login' },
        })
      ).json()
      const verified = await call(on, 'POST', '/v1/verifications/verify', {
        key,
        body: { verification_id: started.verification_id, verification_code: lastCode() },
      })
      expect(verified.statusCode).toBe(200)
      return verified.json().verification_token as string
    },
    introspect: async (token: string, on: Tessera = tessera) =>
      (await call(on, 'POST', '/v1/tokens/verify', { key, body: { verification_token: token } })).json(),
  }
}

/** @see issue 13, part 6: revoke a signing key now. */
describe('signing keys over the admin API', () => {
  it('lists the active key, and after a rotation both keys, the new one signing', async ({ t }) => {
    const before = await admin(t.tessera, 'GET', '/admin/v1/signing-keys')
    expect(before.statusCode).toBe(200)
    const [first] = before.json().keys
    expect(first).toMatchObject({ status: 'active', published: true, signing: true, revoked_at: null })
    expect(JSON.stringify(before.json())).not.toMatch(/private|PRIVATE|"d"/)

    // The rotation comes later than the first key: on a frozen clock both would share a creation
    // time and a time-ordered kid prefix, and the list order would be a coin toss.
    t.clock.advanceSeconds(1)
    const rotated = await admin(t.tessera, 'POST', '/admin/v1/signing-keys/rotate')
    expect(rotated.statusCode).toBe(200)
    const keys = (await admin(t.tessera, 'GET', '/admin/v1/signing-keys')).json().keys
    expect(
      keys.map((key: { kid: string; status: string; signing: boolean }) => [key.kid, key.status, key.signing]),
    ).toEqual([
      [rotated.json().kid, 'active', true],
      [first.kid, 'retired', false],
    ])
  })

  it('revokes a retired key: it leaves the JWKS at once and its tokens answer revoked, others stay active', async ({
    t,
  }) => {
    const tokens = await tokenMinter(t.tessera, () => t.capture.lastCode())
    const oldToken = await tokens.mint()
    const oldKid = decodeProtectedHeader(oldToken).kid as string
    await admin(t.tessera, 'POST', '/admin/v1/signing-keys/rotate')
    const newToken = await tokens.mint()
    expect(await jwksKids(t.tessera)).toContain(oldKid)
    expect((await tokens.introspect(oldToken)).active).toBe(true)

    const revoked = await admin(t.tessera, 'POST', `/admin/v1/signing-keys/${oldKid}/revoke`)
    expect(revoked.statusCode).toBe(200)
    expect(revoked.json()).toEqual({ kid: oldKid, revoked_at: expect.any(String), replaced_by: null })

    expect(await jwksKids(t.tessera)).not.toContain(oldKid)
    expect(await tokens.introspect(oldToken)).toEqual({ active: false, reason: 'revoked' })
    expect((await tokens.introspect(newToken)).active).toBe(true)
    // Offline: the published JWKS no longer verifies the old token.
    const jwks = createLocalJWKSet((await call(t.tessera, 'GET', '/.well-known/jwks.json')).json())
    await expect(jwtVerify(oldToken, jwks, { currentDate: new Date(t.clock.nowMs()) })).rejects.toThrow()
    await expect(jwtVerify(newToken, jwks, { currentDate: new Date(t.clock.nowMs()) })).resolves.toBeTruthy()

    const listed = (await admin(t.tessera, 'GET', '/admin/v1/signing-keys')).json().keys
    expect(listed.find((key: { kid: string }) => key.kid === oldKid)).toMatchObject({
      status: 'revoked',
      published: false,
    })
  })

  it('revoking the active key makes a new one active first: tokens keep being issued and are active', async ({ t }) => {
    const tokens = await tokenMinter(t.tessera, () => t.capture.lastCode())
    const oldToken = await tokens.mint()
    const oldKid = decodeProtectedHeader(oldToken).kid as string

    const revoked = await admin(t.tessera, 'POST', `/admin/v1/signing-keys/${oldKid}/revoke`)
    expect(revoked.statusCode).toBe(200)
    const replacedBy = revoked.json().replaced_by as string
    expect(replacedBy).toMatch(/^sk_/)
    expect(await jwksKids(t.tessera)).toEqual([replacedBy])

    const newToken = await tokens.mint()
    expect(decodeProtectedHeader(newToken).kid).toBe(replacedBy)
    expect((await tokens.introspect(newToken)).active).toBe(true)
    expect(await tokens.introspect(oldToken)).toEqual({ active: false, reason: 'revoked' })
    // A consume of a revoked token is refused as well.
    const consumed = await call(t.tessera, 'POST', '/v1/tokens/verify', {
      key: tokens.key,
      body: { verification_token: oldToken, consume: true },
    })
    expect(consumed.json()).toEqual({ active: false, reason: 'revoked' })
  })

  it('answers 404 for an unknown or already revoked kid, 400 for a malformed one', async ({ t }) => {
    const kid = (await jwksKids(t.tessera))[0] ?? ''
    expect((await admin(t.tessera, 'POST', '/admin/v1/signing-keys/sk_unknown/revoke')).statusCode).toBe(404)
    expect((await admin(t.tessera, 'POST', `/admin/v1/signing-keys/${kid}/revoke`)).statusCode).toBe(200)
    const again = await admin(t.tessera, 'POST', `/admin/v1/signing-keys/${kid}/revoke`)
    expect(again.statusCode).toBe(404)
    expect(again.json().error).toBe('not_found')
    expect((await admin(t.tessera, 'POST', '/admin/v1/signing-keys/a%20b/revoke')).statusCode).toBe(400)
  })

  it('needs the admin key: none is 401, an app key is 403', async ({ t, app: { key } }) => {
    const kid = (await jwksKids(t.tessera))[0] ?? ''
    expect((await call(t.tessera, 'GET', '/admin/v1/signing-keys')).statusCode).toBe(401)
    expect((await call(t.tessera, 'POST', `/admin/v1/signing-keys/${kid}/revoke`, { key })).statusCode).toBe(403)
    expect(await jwksKids(t.tessera)).toEqual([kid])
  })
})

/** @see issue 13, part 6: instances share the database, so a revocation made on one holds on all at once. */
describe('a signing key revoked on one instance', () => {
  /** `shared`: two instances on one database. */
  const it2 = it.extend<{ shared: SharedDatabaseInstances }>({
    // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring.
    shared: async ({}, use) => {
      const shared = await createSharedDatabaseInstances(2)
      await use(shared)
      await shared.close()
    },
  })

  it2(
    'leaves the other instance’s JWKS and introspection at once, and that instance moves to the new key',
    async ({ shared }) => {
      const [a, b] = shared.instances
      if (!a || !b) throw new Error('two instances')
      const tokens = await tokenMinter(a, () => shared.capture.lastCode())
      const tokenFromB = await tokens.mint(b)
      const kid = decodeProtectedHeader(tokenFromB).kid as string
      expect(await jwksKids(b)).toEqual([kid])

      const revoked = (await admin(a, 'POST', `/admin/v1/signing-keys/${kid}/revoke`)).json()
      // No wait, no poll: B answers from the database.
      expect(await jwksKids(b)).toEqual([revoked.replaced_by])
      expect(await tokens.introspect(tokenFromB, b)).toEqual({ active: false, reason: 'revoked' })
      // B already switched (its JWKS request re-read revocations): its next token is signed by the new key.
      const next = await tokens.mint(b)
      expect(decodeProtectedHeader(next).kid).toBe(revoked.replaced_by)
      expect((await tokens.introspect(next, a)).active).toBe(true)
    },
  )

  it2(
    'is noticed by the other instance’s signing without any request to it (the revocation poll)',
    async ({ shared }) => {
      const [a, b] = shared.instances
      if (!a || !b) throw new Error('two instances')
      const kid = b.keyRing.jwks().keys[0]?.kid ?? ''
      const { replacedBy } = await a.keyRing.revoke(kid)
      // What the poll timer runs (app.ts), called directly rather than waited for.
      await b.keyRing.refreshRevocations()
      const claims = { iat: Math.floor(shared.clock.nowMs() / 1000) }
      expect(decodeProtectedHeader(b.keyRing.signJwt(claims)).kid).toBe(replacedBy)
    },
  )
})
