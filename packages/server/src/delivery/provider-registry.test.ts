import { describe, expect, it } from 'vitest'
import { BUILT_IN_PROVIDERS } from './built-in-providers.js'
import { createDeliveryRegistry, type ProviderEntry } from './provider-registry.js'
import { MASKED_SECRET, maskEntries, sealEntries, secretFieldsOf, unsealEntry } from './provider-secrets.js'

const deps = (nodeEnv = 'test') => ({
  nodeEnv,
  nowMs: Date.now,
  writeDevelopmentOutput: () => undefined,
  unseal: (sealed: string) => sealed.replace(/^box:/, ''),
  allowInternal: nodeEnv === 'test',
})
const policy = { failureThreshold: 3, cooldownMs: 30_000 }
const twilio: ProviderEntry = {
  type: 'twilio',
  account_sid: `AC${'a'.repeat(32)}`,
  auth_token: 'token-123456',
  from: '+15005550006',
}
const registry = (defaults: { sms?: ProviderEntry[]; email?: ProviderEntry[] } = {}, nodeEnv = 'test') =>
  createDeliveryRegistry(
    BUILT_IN_PROVIDERS,
    { sms: defaults.sms ?? [{ type: 'console' }], email: defaults.email ?? [{ type: 'console' }] },
    deps(nodeEnv),
  )

describe('createDeliveryRegistry', () => {
  it('refuses a bad default chain at start-up, naming the variable and the field', () => {
    expect(() => registry({ sms: [{ type: 'twilio', account_sid: 'nope' }] })).toThrow(
      /^TESSERA_SMS_PROVIDERS: entry 0 \(twilio\): /,
    )
    expect(() => registry({ email: [twilio] })).toThrow(
      'TESSERA_EMAIL_PROVIDERS: entry 0 (twilio): provider "twilio" cannot carry email',
    )
  })

  it('shares senders between apps on the server chain, each with its own breakers and policy', () => {
    const r = registry()
    const a = r.chainFor('app_a', 'sms', [], { failureThreshold: 1, cooldownMs: 1000 })
    const b = r.chainFor('app_b', 'sms', [], { failureThreshold: 9, cooldownMs: 9000 })
    if (!a.available || !b.available) throw new Error('console chains are available in tests')
    expect(a.chain[0]?.sender).toBe(b.chain[0]?.sender)
    expect(a.chain[0]?.breaker).not.toBe(b.chain[0]?.breaker)
    a.chain[0]?.breaker.failed()
    expect(r.chainFor('app_a', 'sms', [], { failureThreshold: 1, cooldownMs: 1000 })).toBe(a)
    expect(a.chain[0]?.breaker.state()).toBe('open')
    expect(b.chain[0]?.breaker.state()).toBe('closed')
  })

  it('refuses a timeout_ms out of range', () => {
    expect(registry().checkEntry('sms', { ...twilio, timeout_ms: -1 })).toMatch(/timeout_ms/)
    expect(() => registry({ sms: [{ ...twilio, timeout_ms: '5' }] })).toThrow(
      /TESSERA_SMS_PROVIDERS: entry 0 \(twilio\): timeout_ms/,
    )
  })

  it('uses the app’s chain when it has one, else the server’s; rebuilds only when the settings change', () => {
    const r = registry()
    const server = r.chainFor('app_1', 'sms', [], policy)
    expect(server.available && server.chain.map((link) => link.provider)).toEqual(['console'])
    const own = r.chainFor(
      'app_1',
      'sms',
      [twilio, { type: 'vonage', api_key: 'k', api_secret: 's', from: 'Acme' }],
      policy,
    )
    expect(own.available && own.chain.map((link) => [link.provider, link.timeoutMs])).toEqual([
      ['twilio', 5000],
      ['vonage', 5000],
    ])
    expect(
      r.chainFor('app_1', 'sms', [twilio, { type: 'vonage', api_key: 'k', api_secret: 's', from: 'Acme' }], policy),
    ).toBe(own)
    const changed = r.chainFor('app_1', 'sms', [{ ...twilio, timeout_ms: 800 }], policy)
    expect(changed).not.toBe(own)
    expect(changed.available && changed.chain[0]?.timeoutMs).toBe(800)
  })

  it('leaves a chain unavailable when its only provider refuses to run here (console in production)', () => {
    const r = registry({}, 'production')
    expect(r.chainFor('app_1', 'email', [], policy)).toMatchObject({ available: false })
  })

  it('keeps test-only providers out of apps unless tests or the benchmark run', () => {
    expect(registry({}, 'test').checkEntry('sms', { type: 'null' })).toBeUndefined()
    expect(registry({}, 'development').checkEntry('sms', { type: 'null' })).toMatch(/tests and the benchmark only/)
    expect(registry().checkEntry('sms', { type: 'pigeon' })).toMatch(/unknown provider "pigeon" \(known: console, smtp/)
  })

  it('hands senders their options with defaults filled and secrets unsealed', () => {
    const r = registry()
    expect(r.optionsOf({ ...twilio, auth_token: 'sealed:box:the-token', timeout_ms: 100 }, 'sms')).toEqual({
      account_sid: twilio.account_sid,
      auth_token: 'the-token',
      from: '+15005550006',
      base_url: 'https://api.twilio.com',
    })
  })
})

describe('provider secrets', () => {
  const fields = (type: string) =>
    secretFieldsOf(BUILT_IN_PROVIDERS.find((p) => p.name === type)?.optionsSchema ?? ({} as never))

  it('knows each provider’s secret fields from its schema', () => {
    expect(fields('twilio')).toEqual(['auth_token'])
    expect(fields('vonage')).toEqual(['api_secret', 'signature_secret'])
    expect(fields('smtp')).toEqual(['url'])
  })

  it('seals new secrets, keeps a masked one at the same place, refuses a masked one elsewhere', () => {
    const seal = (plain: string) => `box:${plain}`
    const first = sealEntries([twilio], [], fields, seal)
    expect(first).toEqual({ entries: [{ ...twilio, auth_token: 'sealed:box:token-123456' }], problems: [] })
    const masked = maskEntries(first.entries, fields)
    expect(masked[0]?.auth_token).toBe(MASKED_SECRET)
    expect(sealEntries(masked, first.entries, fields, seal).entries).toEqual(first.entries)
    const moved = sealEntries(
      [{ type: 'vonage', api_key: 'k', api_secret: MASKED_SECRET, from: 'A' }, ...masked],
      first.entries,
      fields,
      seal,
    )
    expect(moved.problems).toEqual([
      '0.api_secret: give the secret itself (a masked value keeps the stored one only for the same provider, account and endpoint)',
      '1.auth_token: give the secret itself (a masked value keeps the stored one only for the same provider, account and endpoint)',
    ])
    expect(unsealEntry(first.entries[0] ?? {}, (sealed) => sealed.replace(/^box:/, ''))).toEqual(twilio)
    // Pointing the provider elsewhere needs the secret again: a masked one would be sent to the new endpoint.
    const redirected = sealEntries(
      [{ ...masked[0], base_url: 'https://attacker.example' }],
      first.entries,
      fields,
      seal,
    )
    expect(redirected.problems).toHaveLength(1)
    const otherAccount = sealEntries(
      [{ ...masked[0], account_sid: `AC${'f'.repeat(32)}` }],
      first.entries,
      fields,
      seal,
    )
    expect(otherAccount.problems).toHaveLength(1)
    expect(sealEntries([{ ...masked[0], from: '+15005550007' }], first.entries, fields, seal).problems).toEqual([])
  })
})
