import { describe, expect, it } from 'vitest'
import { maskEmailAddress, normalizeEmailAddress } from './email-address.js'

/** A valid address of exactly `length` characters, with a 64-character local part. */
function addressOfLength(length: number): string {
  const local = 'l'.repeat(64)
  const head = `${'a'.repeat(63)}.${'b'.repeat(63)}.`
  const tail = '.com'
  const middle = length - local.length - 1 - head.length - tail.length
  return `${local}@${head}${'c'.repeat(middle)}${tail}`
}

describe('normalizeEmailAddress', () => {
  it.each([
    ['ada@example.com', 'ada@example.com'],
    ['  ada@example.com \n', 'ada@example.com'],
    ['\tAda.Lovelace@Example.COM ', 'Ada.Lovelace@example.com'],
    ['ADA@MAIL.EXAMPLE.CO.UK', 'ADA@mail.example.co.uk'],
    ['ada+tessera@example.com', 'ada+tessera@example.com'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['a@b.co', 'a@b.co'],
    ['ada@xn--bcher-kva.example', 'ada@xn--bcher-kva.example'],
    ['ada@my-host.example', 'ada@my-host.example'],
  ])('accepts %j as %s (trimmed, domain lower-cased, local part kept)', (raw, normalized) => {
    expect(normalizeEmailAddress(raw)).toBe(normalized)
  })

  it.each([
    '"ada lovelace"@example.com',
    '"ada"@example.com',
    'ada@[192.168.0.1]',
    'ada@[IPv6:::1]',
    'ada@192.168.0.1',
  ])('refuses the quoted local part or IP literal %j', (raw) => {
    expect(normalizeEmailAddress(raw)).toBeUndefined()
  })

  it.each(['ada@localhost', 'ada@example', 'ada@example.', 'ada@.com'])('refuses %j, which has no TLD', (raw) => {
    expect(normalizeEmailAddress(raw)).toBeUndefined()
  })

  it.each([
    'ada\u0000@example.com',
    'ada@example.com\u0000',
    'ad\ta@example.com',
    'ada\n@example.com',
    'ada@exa\u0007mple.com',
    'ada@example.com\r\nBcc: eve@example.com',
    'a\u007fda@example.com',
  ])('refuses the control characters in %j', (raw) => {
    expect(normalizeEmailAddress(raw)).toBeUndefined()
  })

  it.each([
    '',
    '   ',
    'ada',
    '@example.com',
    'ada@',
    'ada example@example.com',
    '.ada@example.com',
    'ada.@example.com',
    'ada..lovelace@example.com',
    'ada@example..com',
    'ada@-example.com',
    'ada@example-.com',
    'ada@exam_ple.com',
    'a@b@example.com',
    'ada@bücher.example',
  ])('refuses the malformed address %j', (raw) => {
    expect(normalizeEmailAddress(raw)).toBeUndefined()
  })

  it('accepts a 64-character local part and refuses 65', () => {
    expect(normalizeEmailAddress(`${'x'.repeat(64)}@example.com`)).toBe(`${'x'.repeat(64)}@example.com`)
    expect(normalizeEmailAddress(`${'x'.repeat(65)}@example.com`)).toBeUndefined()
  })

  it('accepts a 63-character domain label and refuses 64', () => {
    expect(normalizeEmailAddress(`ada@${'d'.repeat(63)}.com`)).toBe(`ada@${'d'.repeat(63)}.com`)
    expect(normalizeEmailAddress(`ada@${'d'.repeat(64)}.com`)).toBeUndefined()
  })

  it('accepts a 254-character address and refuses 255', () => {
    const longest = addressOfLength(254)
    expect(longest).toHaveLength(254)
    expect(normalizeEmailAddress(longest)).toBe(longest)
    const tooLong = addressOfLength(255)
    expect(tooLong).toHaveLength(255)
    expect(normalizeEmailAddress(tooLong)).toBeUndefined()
  })

  it('refuses huge strings', () => {
    expect(normalizeEmailAddress(`${'a'.repeat(100_000)}@example.com`)).toBeUndefined()
    expect(normalizeEmailAddress(`ada@${'a.'.repeat(50_000)}com`)).toBeUndefined()
  })
})

describe('maskEmailAddress', () => {
  it.each([
    ['Ada.Lovelace@example.com', 'A***@e***.com'],
    ['ada@mail.example.co.uk', 'a***@m***.uk'],
    ['a@b.co', 'a***@b***.co'],
  ])('masks %s as %s', (address, masked) => {
    expect(maskEmailAddress(address)).toBe(masked)
  })

  it.each([
    'ada@example.com',
    'Ada.Lovelace@example.com',
    'a@b.co',
    'ada+tessera@mail.example.co.uk',
    `${'x'.repeat(64)}@example.com`,
  ])('never contains the full address, local part or domain of %s', (address) => {
    const masked = maskEmailAddress(address)
    const [local = '', domain = ''] = address.split('@')
    expect(masked).not.toContain(address)
    if (local.length > 1) expect(masked).not.toContain(local)
    expect(masked).not.toContain(domain)
    expect(masked).toContain('***')
  })
})

describe('maskEmailAddress on an address nobody validated', () => {
  it('shows no tail of a domain without a dot (a hosted preset is masked before it is checked)', () => {
    expect(maskEmailAddress('ada@localhost')).toBe('a***@l***')
  })
})
