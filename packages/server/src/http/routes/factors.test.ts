import { TEST_ADMIN_KEY } from '../../../test/helpers/create-test-app.js'
import { describe, expect, it } from '../../../test/helpers/fixtures.js'
import type { TestApi } from '../../../test/helpers/test-api.js'

// Bad input to the factors and challenges API: always a 4xx in the contract's shape, never a 500.
// (Types, scenes, lockout and removal have their own factors.*.test.ts files.)

const USER = 'u_ada'
const PASSWORD = 'correct horse battery staple'

function expectContractError(
  res: { statusCode: number; json(): Record<string, unknown> },
  status: number,
  code: number,
) {
  expect(res.statusCode).toBe(status)
  expect(res.json()).toMatchObject({ error_code: code })
  expect(typeof res.json().error).toBe('string')
  expect(typeof res.json().error_description).toBe('string')
}

describe('binding: bad input', () => {
  it.for(['fingerprint', 'SMS', 'webauthn', ''])('refuses the unknown type %j with 4000', async (type, { api }) => {
    const res = await api.bind(USER, { type })
    expectContractError(res, 400, 4000)
  })

  it('names the known types when the type is unknown', async ({ api }) => {
    const res = await api.bind(USER, { type: 'fingerprint' })
    for (const type of ['sms', 'email', 'totp', 'password', 'backup-code'])
      expect(res.json().error_description).toContain(type)
  })

  it.for(['12345', '+1 000', '4155552671', '+14155552671; DROP TABLE'])(
    'refuses the invalid phone %j with 4011',
    async (to, { t, api }) => {
      const res = await api.bind(USER, { type: 'sms', to })
      expectContractError(res, 400, 4011)
      expect(res.json().error).toBe('invalid_identifier')
      expect(t.capture.messages).toHaveLength(0)
    },
  )

  it.for([
    [{ type: 'totp', extra: 1 }, 'an unknown field'],
    [{ type: 'totp', digits: '6' }, 'digits as a string'],
    [{ type: 'totp', algorithm: 'sha1' }, 'a lower-case algorithm'],
    [{ type: 'totp', account_name: 'x'.repeat(129) }, 'a 129-character account name'],
    [{ type: 'password', password: 'x'.repeat(1025) }, 'a 1025-character password'],
    [{ type: 'sms', to: '+1'.padEnd(321, '5') }, 'a 321-character `to`'],
    [{}, 'no type'],
    [{ type: 'sms', to: '+14155552671', client_ip: 'not-an-ip' }, 'a bad client_ip'],
  ] as const)('refuses %j (%s) with 4000', async ([body, _why], { api }) => {
    const res = await api.bind(USER, body)
    expectContractError(res, 400, 4000)
  })

  it('refuses a body that is not JSON, and a missing key', async ({ t, api }) => {
    const notJson = await t.request('POST', `/v1/users/${USER}/factors`, {
      key: api.key,
      headers: { 'content-type': 'application/json' },
      body: undefined,
    })
    expect(notJson.statusCode).toBeGreaterThanOrEqual(400)
    expect(notJson.statusCode).toBeLessThan(500)
    const noKey = await t.request('POST', `/v1/users/${USER}/factors`, { body: { type: 'backup-code' } })
    expectContractError(noKey, 401, 4010)
  })
})

describe('challenges: bad input', () => {
  /** Every test here starts with the user's password factor bound; answers that user's challenge call. */
  async function withPassword(api: TestApi) {
    expect((await api.bind(USER, { type: 'password', password: PASSWORD })).statusCode).toBe(201)
    return (body: Record<string, unknown>, user = USER) => api.challenge(user, body)
  }

  it('refuses both factor_id and type with 4000', async ({ api }) => {
    const challenge = await withPassword(api)
    const factorId = (await api.factors(USER))[0]?.factor_id as string
    expectContractError(await challenge({ scene: 'step-up', factor_id: factorId, type: 'password' }), 400, 4000)
  })

  it('refuses neither factor_id nor type with 4000', async ({ api }) => {
    const challenge = await withPassword(api)
    expectContractError(await challenge({ scene: 'step-up' }), 400, 4000)
  })

  it('refuses an unknown type with 4000, a missing or malformed scene with 4000', async ({ api }) => {
    const challenge = await withPassword(api)
    expectContractError(await challenge({ scene: 'step-up', type: 'fingerprint' }), 400, 4000)
    expectContractError(await challenge({ type: 'password' }), 400, 4000)
    expectContractError(await challenge({ scene: 'Step Up', type: 'password' }), 400, 4000)
    expectContractError(await challenge({ scene: 'x'.repeat(65), type: 'password' }), 400, 4000)
  })

  it('a user with no factor of that type, or an unknown factor id, answers 404 factor_not_found', async ({ api }) => {
    const challenge = await withPassword(api)
    expectContractError(await challenge({ scene: 'step-up', type: 'totp' }), 404, 4041)
    expectContractError(await challenge({ scene: 'step-up', factor_id: 'fac_unknown' }), 404, 4041)
    // An unknown user looks the same as a user without factors.
    expectContractError(await challenge({ scene: 'step-up', type: 'password' }, 'u_nobody'), 404, 4041)
  })

  it('activating an unknown factor answers 404; an active one 409', async ({ api }) => {
    await withPassword(api)
    const activate = (factorId: string) => api.activate(USER, factorId, '123456')
    expectContractError(await activate('fac_unknown'), 404, 4041)
    const factorId = (await api.factors(USER))[0]?.factor_id as string
    expectContractError(await activate(factorId), 409, 4009)
  })
})

describe('user ids in the path', () => {
  const LONG = 'u'.repeat(129)
  const paths = (user: string) =>
    [
      ['POST', `/v1/users/${user}/factors`, { type: 'backup-code' }],
      ['GET', `/v1/users/${user}/factors`, undefined],
      ['POST', `/v1/users/${user}/challenges`, { scene: 'step-up', type: 'password' }],
      ['POST', `/v1/users/${user}/factors/fac_x/activate`, { verification_code: '123456' }],
      ['DELETE', `/v1/users/${user}/factors/fac_x`, undefined],
    ] as const

  it.for([
    ['an encoded slash', 'a%2Fb'],
    ['129 characters', LONG],
    ['a space', 'a%20b'],
    ['a NUL', 'a%00b'],
    ['a newline', 'a%0Ab'],
  ] as const)('refuses a user id with %s with 400 (4000), never 500', async ([_name, user], { t, api }) => {
    for (const [method, url, body] of paths(user)) {
      const res = await t.request(method, url, { key: api.key, ...(body === undefined ? {} : { body }) })
      expect(res.statusCode, `${method} ${url}`).toBe(400)
      expect(res.json().error_code, `${method} ${url}`).toBe(4000)
    }
  })

  it('a literal slash in the user id matches no route: 404, never 500', async ({ t, api }) => {
    for (const [method, url, body] of paths('a/b')) {
      const res = await t.request(method, url, { key: api.key, ...(body === undefined ? {} : { body }) })
      expect(res.statusCode, `${method} ${url}`).toBe(404)
      expect(res.json().error_code, `${method} ${url}`).toBe(4040)
    }
  })

  it('accepts 128 characters and printable punctuation (ids like email addresses, UUIDs, "org:42|user")', async ({
    api,
  }) => {
    for (const user of [
      'u'.repeat(128),
      'ada%40example.com',
      '0b6f7c1e-6a54-4b7e-9f0a-3c2d1e0f9a8b',
      'org%3A42%7Cuser',
      '%C3%A9l%C3%A8ve',
    ]) {
      const res = await api.bind(user, { type: 'backup-code' })
      expect(res.statusCode, user).toBe(201)
      expect(res.json().user_id).toBe(decodeURIComponent(user))
      expect(await api.factors(user)).toHaveLength(1)
    }
  })

  it('counts characters, not bytes: 128 emoji (1536 characters percent-encoded) are a valid id, 129 are not', async ({
    api,
  }) => {
    const encoded = (n: number) => encodeURIComponent('😀'.repeat(n))
    expect(encoded(128)).toHaveLength(1536)
    const ok = await api.bind(encoded(128), { type: 'backup-code' })
    expect(ok.statusCode).toBe(201)
    expect(ok.json().user_id).toBe('😀'.repeat(128))
    const tooLong = await api.bind(encoded(129), { type: 'backup-code' })
    expect(tooLong.statusCode).toBeGreaterThanOrEqual(400)
    expect(tooLong.statusCode).toBeLessThan(500)
  })

  it('the admin routes validate user ids the same way', async ({ t, appWith }) => {
    const { appId } = await appWith()
    const res = await t.request('GET', `/admin/v1/apps/${appId}/users/${LONG}/factors`, { key: TEST_ADMIN_KEY })
    expect(res.statusCode).toBe(400)
    const slash = await t.request('GET', `/admin/v1/apps/${appId}/users/a%2Fb/factors`, { key: TEST_ADMIN_KEY })
    expect(slash.statusCode).toBe(400)
  })
})

describe('verification codes: bad input', () => {
  it('refuses an empty or overlong verification_code with 4000', async ({ api }) => {
    const bound = await api.bind(USER, { type: 'password', password: PASSWORD })
    expect(bound.statusCode).toBe(201)
    const started = await api.challenge(USER, { scene: 'step-up', type: 'password' })
    const id = started.json().verification_id
    for (const code of ['', 'x'.repeat(1025)]) {
      const res = await api.verify(id, code)
      expectContractError(res, 400, 4000)
    }
    // Neither counted as an attempt.
    const status = await api.get(id)
    expect(status.json().attempts).toBe(0)
  })
})
